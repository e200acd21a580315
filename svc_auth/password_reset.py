"""Forgotten passwords: a single-use reset link, mailed, good for 15 minutes.

ForgotPassword answers the same whether or not the address has an account (nothing is said about
who is registered) and mails at most `password_reset_email_limit` links per address per hour. The
link's token is stored as its SHA-256; spending it is a conditional UPDATE, so it works once. A
reset sets the password, marks the address verified (the link proves it), spends every other reset
token of the account and ends every session, access tokens included (core.revocation). Two-factor
sign-in stays on: a reset never bypasses it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidArgument
from svc_auth import step_up
from svc_auth.accounts import sign_in_account
from svc_auth.deps import AuthDeps
from svc_auth.mailer import compose, queue
from svc_auth.models import PasswordResetToken, User
from svc_auth.passwords import normalise_email
from svc_auth.tokens import announce_revocation, digest, new_secret, revoke_all


def _reset_mail(deps: AuthDeps, user: User, token: str):
    minutes = deps.settings.password_reset_ttl_s // 60
    body = (
        f"Hello {user.first_name},\n\nTo choose a new password, open this link within {minutes} minutes:\n\n"
        f"{deps.settings.reset_url}{token}\n\n"
        "If you did not ask for this, ignore this message: your password stays as it is.\n"
    )
    return compose(deps.settings.mail_from, user.email, "Reset your password", body)


async def forgot_password(deps: AuthDeps, email: str) -> None:
    """Mail a reset link when the address has an account; silent either way."""
    email = normalise_email(email)
    allowed, _, _ = await deps.kv.incr_window(
        f"auth:reset:email:{digest(email)[:32]}", deps.settings.password_reset_email_limit, 3600
    )
    if not allowed:
        return
    async with deps.db.transaction() as s:
        user = await sign_in_account(s, email)
        if user is None or user.disabled:
            return
        token = new_secret()
        expires = deps.clock.now() + timedelta(seconds=deps.settings.password_reset_ttl_s)
        s.add(PasswordResetToken(token_hash=digest(token), user_id=user.id, expires_at=expires))
        await queue(s, _reset_mail(deps, user, token), deps.clock)


def _bad_token() -> InvalidArgument:
    return InvalidArgument(
        "the reset link is not valid; ask for a new one",
        violations=[("token", "unknown, used or expired")],
        reason="RESET_TOKEN_INVALID",
    )


async def reset_password(deps: AuthDeps, token: str, new_password: str) -> None:
    """Set a new password with a reset token, once; every session of the account ends."""
    deps.passwords.check_rules(new_password, field="new_password")
    new_hash = await deps.passwords.hash(new_password)
    async with deps.db.transaction() as s:
        now = deps.clock.now()
        row = await s.get(PasswordResetToken, digest(token))
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise _bad_token()
        spent = await s.execute(
            update(PasswordResetToken)
            .where(PasswordResetToken.user_id == row.user_id, PasswordResetToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        user = await s.get(User, row.user_id)
        if not spent.rowcount or user is None or user.disabled:  # type: ignore[attr-defined]
            raise _bad_token()
        await _drop_unverified_twins(s, user)
        user.password_hash = new_hash
        user.email_verified = True
        user.updated_at = now
        version = await revoke_all(s, user.id, now)
        await step_up.notify(deps, s, user, "Your password was reset", "The password was reset")
    await announce_revocation(deps, user.id, version)


async def _drop_unverified_twins(s: AsyncSession, user: User) -> None:
    """Other unverified accounts of the address lose their claim once the owner proves it."""
    if user.email_verified:
        return
    await s.execute(
        update(User)
        .where(User.email == user.email, User.id != user.id, User.email_verified.is_(False))
        .values(disabled=True)
        .execution_options(synchronize_session=False)
    )
