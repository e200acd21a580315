"""Step-up: a fresh proof of identity before the password, the email or two-factor sign-in change.

An access token alone (15 minutes, possibly stolen) is not enough to take an account over. The
owner proves themselves with ConfirmIdentity (the password, plus a TOTP or recovery code when 2FA
is on) and gets a reauth token that works for their account only, for `reauth_ttl_s` (5 minutes),
kept hashed in the key-value store. ChangePassword takes the same proof inline.

Every guess at a secret made through these calls (password, TOTP or recovery code) is counted per
user before it is checked, in one window whatever the call, so a stolen token buys a handful of
guesses per window and no more. Each change is mailed to the owner.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import PermissionDenied, ResourceExhausted
from svc_auth.deps import AuthDeps
from svc_auth.mailer import compose, queue
from svc_auth.models import User
from svc_auth.tokens import digest, new_secret


def _proof_key(token: str) -> str:
    return f"auth:reauth:{digest(token)}"


async def charge_attempt(deps: AuthDeps, user_id: str) -> None:
    """Count one guess at this user's secrets; ResourceExhausted once the window is full."""
    st = deps.settings
    allowed, _count, retry_after = await deps.kv.incr_window(
        f"auth:stepup:user:{digest(user_id)[:32]}", st.step_up_limit, st.step_up_window_s
    )
    if not allowed:
        raise ResourceExhausted(
            "too many attempts to confirm your identity; try again later",
            reason="TOO_MANY_ATTEMPTS",
            retry_after_s=retry_after,
        )


async def issue_proof(deps: AuthDeps, user_id: str) -> tuple[str, datetime]:
    """A reauth token for `user_id`, valid for `reauth_ttl_s`."""
    token = new_secret()
    ttl = deps.settings.reauth_ttl_s
    await deps.kv.set(_proof_key(token), user_id.encode(), ttl_s=ttl)
    return token, deps.clock.now() + timedelta(seconds=ttl)


async def require_proof(deps: AuthDeps, user_id: str, token: str) -> None:
    """PermissionDenied unless `token` is a live reauth token of this very user."""
    held = await deps.kv.get(_proof_key(token)) if token else None
    if held != user_id.encode():
        raise PermissionDenied(
            "confirm your identity first (POST /auth/confirm-identity)", reason="REAUTH_REQUIRED"
        )


async def notify(deps: AuthDeps, s: AsyncSession, user: User, subject: str, what: str, to: str = "") -> None:
    """Mail the owner that `what` happened to their account, in the change's transaction."""
    when = deps.clock.now().strftime("%Y-%m-%d %H:%M UTC")
    body = (
        f"Hello {user.first_name},\n\n{what} on your account on {when}.\n\n"
        "If this was you, there is nothing to do. If not, reset your password now and contact support.\n"
    )
    await queue(s, compose(deps.settings.mail_from, to or user.email, subject, body), deps.clock)
