"""A user's own data: export it, or delete the account.

Deletion erases the personal data the auth service keeps (email, names, password, 2FA secret and
codes, risk preferences, linked provider accounts, pending links and challenges), ends every
session, and keeps the user id as a pseudonym: the ledgers of other services refer to it and must
keep their financial records. In the same transaction it stages a durable event on the stream
`auth.account_deleted` (JSON `{"user_id": ..., "deleted_at": ...}`); every other service consumes
it and erases its own personal data for that id, keeping financial records anonymised
(docs/auth.md, "Privacy"). A notice goes to the address before it is erased.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from core.errors import NotFound
from core.outbox import stage
from svc_auth import step_up
from svc_auth.deps import AuthDeps
from svc_auth.models import (
    OUTBOX,
    EmailToken,
    OAuthIdentity,
    PasswordResetToken,
    RecoveryCode,
    RefreshToken,
    TwoFactorChallenge,
    User,
)
from svc_auth.tokens import announce_revocation, revoke_all

ACCOUNT_DELETED_STREAM = "auth.account_deleted"


@dataclass(frozen=True)
class Export:
    """What the auth service keeps about one user."""

    user: User
    identities: list[OAuthIdentity]
    sessions: list[RefreshToken]
    made_at: datetime


async def export_my_data(deps: AuthDeps, user_id: str) -> Export:
    now = deps.clock.now()
    async with deps.db.session() as s:
        user = await s.get(User, user_id)
        if user is None or user.deleted_at is not None:
            raise NotFound("no such user", reason="USER_NOT_FOUND")
        identities = list(await s.scalars(select(OAuthIdentity).where(OAuthIdentity.user_id == user_id)))
        sessions = list(
            await s.scalars(
                select(RefreshToken)
                .where(
                    RefreshToken.user_id == user_id,
                    RefreshToken.spent_at.is_(None),
                    RefreshToken.revoked_at.is_(None),
                    RefreshToken.expires_at > now,
                )
                .order_by(RefreshToken.created_at)
            )
        )
    return Export(user, identities, sessions, now)


async def delete_account(deps: AuthDeps, user_id: str, reauth_token: str) -> None:
    """Erase the user's personal data, end every session and tell the other services."""
    await step_up.require_proof(deps, user_id, reauth_token)
    async with deps.db.transaction() as s:
        now = deps.clock.now()
        user = await s.get(User, user_id)
        if user is None or user.deleted_at is not None:
            raise NotFound("no such user", reason="USER_NOT_FOUND")
        await step_up.notify(
            deps, s, user, "Your account was deleted", "Your account and its personal data were deleted"
        )
        for table in (OAuthIdentity, RecoveryCode, EmailToken, PasswordResetToken, TwoFactorChallenge):
            await s.execute(delete(table).where(table.user_id == user_id))
        version = await revoke_all(s, user_id, now)
        _erase(user, now)
        event = {"user_id": user_id, "deleted_at": now.isoformat()}
        await stage(
            s,
            ACCOUNT_DELETED_STREAM,
            json.dumps(event).encode(),
            table=OUTBOX,
            durable=True,
            clock=deps.clock,
        )
    await announce_revocation(deps, user_id, version)


def _erase(user: User, now: datetime) -> None:
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.email_verified = False
    user.password_hash = None
    user.first_name = ""
    user.last_name = ""
    user.totp_secret = None
    user.totp_enabled = False
    user.risk_tolerance = ""
    user.max_drawdown_percent = 0
    user.horizon_months = 0
    user.disabled = True
    user.deleted_at = now
    user.updated_at = now
