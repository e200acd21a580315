"""Mail other services send to a user (billing's welcome and payment notices), staged in auth's
outbox like auth's own mail. The idempotency key names the message (its Message-ID), so the
mail dispatcher sends a retried request once."""

from __future__ import annotations

import hashlib

from core.errors import NotFound
from svc_auth.deps import AuthDeps
from svc_auth.mailer import compose, queue
from svc_auth.models import User


async def queue_user_mail(
    deps: AuthDeps, user_id: str, subject: str, body: str, idempotency_key: str
) -> None:
    async with deps.db.transaction() as s:
        user = await s.get(User, user_id)
        if user is None:
            raise NotFound("no such user", reason="USER_NOT_FOUND")
        message = compose(deps.settings.mail_from, user.email, subject, body)
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
        message.replace_header("Message-ID", f"<svc-{digest}@trading.local>")
        await queue(s, message, deps.clock)
