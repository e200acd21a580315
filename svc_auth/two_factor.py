"""Two-factor sign-in with RFC 6238 TOTP codes and single-use recovery codes.

A code is accepted once: the user's last accepted time step is stored and only grows (a
conditional UPDATE, so two requests with one code cannot both pass). One step of clock drift
either way is allowed.
"""

from __future__ import annotations

import hmac
import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import qrcode
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import FailedPrecondition, NotFound, ResourceExhausted, Unauthenticated
from svc_auth import step_up
from svc_auth.deps import AuthDeps
from svc_auth.models import RecoveryCode, TwoFactorChallenge, User
from svc_auth.tokens import IssuedTokens, digest, issue_tokens, new_secret

DRIFT_STEPS = 1
MAX_CHALLENGE_FAILURES = 5


@dataclass(frozen=True)
class Setup:
    """A new TOTP secret and the ways to load it into an authenticator app."""

    secret: str
    otpauth_uri: str
    qr_png: bytes


def _qr_png(text: str) -> bytes:
    out = io.BytesIO()
    qrcode.make(text).save(out, format="PNG")
    return out.getvalue()


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _new_recovery_code() -> str:
    raw = secrets.token_hex(8)
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _is_totp_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


async def _user(s: AsyncSession, user_id: str) -> User:
    user = await s.get(User, user_id)
    if user is None:
        raise NotFound("no such user", reason="USER_NOT_FOUND")
    return user


async def setup(deps: AuthDeps, user_id: str, reauth_token: str) -> Setup:
    """Store a new secret, not yet enabled; VerifyTwoFactor with a code enables it. Both need a
    fresh proof of identity, so a stolen access token cannot enrol the thief's authenticator."""
    await step_up.require_proof(deps, user_id, reauth_token)
    async with deps.db.transaction() as s:
        user = await _user(s, user_id)
        if user.totp_enabled:
            raise FailedPrecondition("two-factor sign-in is already on", reason="TWO_FACTOR_ALREADY_ENABLED")
        user.totp_secret = pyotp.random_base32()
        user.totp_last_step = 0
        secret, email = user.totp_secret, user.email
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=deps.settings.two_factor_issuer)
    return Setup(secret, uri, _qr_png(uri))


async def _accept_totp(deps: AuthDeps, s: AsyncSession, user: User, code: str) -> bool:
    """True when `code` is valid for a step after the last accepted one; records that step."""
    if not user.totp_secret or not _is_totp_code(code):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now_step = totp.timecode(deps.clock.now())
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if step > user.totp_last_step and hmac.compare_digest(totp.generate_otp(step), code):
            moved = await s.execute(
                update(User)
                .where(User.id == user.id, User.totp_last_step < step)
                .values(totp_last_step=step)
                .execution_options(synchronize_session=False)
            )
            return moved.rowcount == 1  # type: ignore[attr-defined]
    return False


async def _accept_recovery(deps: AuthDeps, s: AsyncSession, user: User, code: str) -> bool:
    spent = await s.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.code_hash == digest(normalise_recovery_code(code)),
            RecoveryCode.user_id == user.id,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=deps.clock.now())
    )
    return spent.rowcount == 1  # type: ignore[attr-defined]


async def accept_code(deps: AuthDeps, s: AsyncSession, user: User, code: str) -> bool:
    if _is_totp_code(code):
        return await _accept_totp(deps, s, user, code)
    return await _accept_recovery(deps, s, user, code)


def bad_code() -> Unauthenticated:
    return Unauthenticated("the code is not valid", reason="TWO_FACTOR_CODE_INVALID")


async def enable(deps: AuthDeps, user_id: str, code: str, reauth_token: str) -> list[str]:
    """Turn 2FA on with a valid TOTP code; returns the recovery codes, shown once."""
    await step_up.require_proof(deps, user_id, reauth_token)
    await step_up.charge_attempt(deps, user_id)
    async with deps.db.transaction() as s:
        user = await _user(s, user_id)
        if user.totp_enabled:
            raise FailedPrecondition("two-factor sign-in is already on", reason="TWO_FACTOR_ALREADY_ENABLED")
        if not user.totp_secret:
            raise FailedPrecondition("set up two-factor sign-in first", reason="TWO_FACTOR_NOT_SET_UP")
        if not await _accept_totp(deps, s, user, code):
            raise bad_code()
        user.totp_enabled = True
        user.updated_at = deps.clock.now()
        await s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        codes = [_new_recovery_code() for _ in range(deps.settings.recovery_code_count)]
        for c in codes:
            s.add(RecoveryCode(code_hash=digest(normalise_recovery_code(c)), user_id=user_id))
        await step_up.notify(deps, s, user, "Two-factor sign-in is on", "Two-factor sign-in was turned on")
    return codes


async def disable(deps: AuthDeps, user_id: str, code: str, reauth_token: str) -> User:
    """Turn 2FA off given a fresh proof of identity and a current code or an unused recovery code."""
    await step_up.require_proof(deps, user_id, reauth_token)
    await step_up.charge_attempt(deps, user_id)
    async with deps.db.transaction() as s:
        user = await _user(s, user_id)
        if not user.totp_enabled:
            raise FailedPrecondition("two-factor sign-in is off", reason="TWO_FACTOR_NOT_ENABLED")
        if not await accept_code(deps, s, user, code):
            raise bad_code()
        user.totp_enabled = False
        user.totp_secret = None
        user.updated_at = deps.clock.now()
        await s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        await step_up.notify(deps, s, user, "Two-factor sign-in is off", "Two-factor sign-in was turned off")
    return user


async def create_challenge(deps: AuthDeps, user_id: str) -> tuple[str, datetime]:
    """A short-lived challenge proving the password step passed."""
    challenge = new_secret()
    expires = deps.clock.now() + timedelta(seconds=deps.settings.two_factor_challenge_ttl_s)
    async with deps.db.transaction() as s:
        s.add(
            TwoFactorChallenge(
                challenge_hash=digest(challenge), user_id=user_id, expires_at=expires, failures=0
            )
        )
    return challenge, expires


def _bad_challenge() -> Unauthenticated:
    return Unauthenticated(
        "the sign-in challenge is not valid; sign in again", reason="TWO_FACTOR_CHALLENGE_INVALID"
    )


async def _charge_attempt(deps: AuthDeps, challenge_hash: str) -> str:
    """Count one answer to a challenge before its code is checked; the challenge's user id.

    The count is a conditional `UPDATE ... SET failures = failures + 1 WHERE failures < limit`,
    committed on its own, so parallel answers cannot all read the same count and each spends one
    of the challenge's attempts whatever the outcome. Wrong codes are also counted per user in
    the key-value store, so starting a new challenge (signing in again) does not reset guessing.
    """
    async with deps.db.transaction() as s:
        now = deps.clock.now()
        counted = await s.execute(
            update(TwoFactorChallenge)
            .where(
                TwoFactorChallenge.challenge_hash == challenge_hash,
                TwoFactorChallenge.used_at.is_(None),
                TwoFactorChallenge.expires_at > now,
                TwoFactorChallenge.failures < MAX_CHALLENGE_FAILURES,
            )
            .values(failures=TwoFactorChallenge.failures + 1)
            .execution_options(synchronize_session=False)
        )
        if counted.rowcount != 1:  # type: ignore[attr-defined]
            raise _bad_challenge()
        user_id = await s.scalar(
            select(TwoFactorChallenge.user_id).where(TwoFactorChallenge.challenge_hash == challenge_hash)
        )
    assert user_id is not None
    st = deps.settings
    allowed, _count, retry_after = await deps.kv.incr_window(
        f"auth:2fa:user:{digest(user_id)[:32]}", st.two_factor_user_limit, st.two_factor_user_window_s
    )
    if not allowed:
        raise ResourceExhausted(
            "too many two-factor attempts; try again later",
            reason="TOO_MANY_ATTEMPTS",
            retry_after_s=retry_after,
        )
    return user_id


async def complete_challenge(deps: AuthDeps, challenge: str, code: str) -> tuple[User, IssuedTokens]:
    """Answer a sign-in challenge: the user and their new tokens; the challenge is then spent.

    Each answer spends one of the challenge's attempts and one of the user's (counted and
    committed before the code is checked). The code, the spend of the challenge and the new
    tokens are one transaction.
    """
    challenge_hash = digest(challenge)
    await _charge_attempt(deps, challenge_hash)
    async with deps.db.transaction() as s:
        now = deps.clock.now()
        row = await s.get(TwoFactorChallenge, challenge_hash)
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise _bad_challenge()
        user = await _user(s, row.user_id)
        if user.disabled or not user.totp_enabled:
            raise _bad_challenge()
        if not await accept_code(deps, s, user, code):
            raise bad_code()  # nothing else to keep: the attempt is already counted
        spent = await s.execute(
            update(TwoFactorChallenge)
            .where(
                TwoFactorChallenge.challenge_hash == challenge_hash,
                TwoFactorChallenge.used_at.is_(None),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            raise _bad_challenge()
        issued = await issue_tokens(deps, s, user)
    return user, issued
