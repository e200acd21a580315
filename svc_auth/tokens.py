"""Access tokens (signed JWTs) and refresh tokens (opaque, stored hashed, rotated on use).

A refresh token belongs to a family: the chain of tokens that rotation produced from one sign-in.
Presenting a token that was already spent revokes its whole family, since either its owner or a
thief holds a newer one. The spend is a conditional UPDATE, so of two concurrent refreshes with
one token exactly one gets new tokens; the other, arriving within `refresh_race_grace_s` of the
spend, is told so (ABORTED, REFRESH_RACE) and the family is left alone, so two tabs refreshing at
once do not sign their user out. Later reuse revokes the family.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import revocation
from core.errors import Aborted, Unauthenticated
from svc_auth.deps import AuthDeps
from svc_auth.models import RefreshToken, User


def new_secret() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class IssuedTokens:
    """An access token and the refresh token issued with it."""

    access_token: str
    refresh_token: str
    expires_in: int
    access_expires_at: datetime
    refresh_expires_at: datetime


def access_claims(user: User) -> dict[str, Any]:
    return {
        "sub": user.id,
        "email": user.email,
        "email_verified": user.email_verified,
        "roles": sorted(user.role_set),
        "plan": user.plan,
        revocation.CLAIM: user.session_version,
    }


async def issue_tokens(
    deps: AuthDeps,
    session: AsyncSession,
    user: User,
    family_id: str = "",
    family_started_at: datetime | None = None,
) -> IssuedTokens:
    """Sign an access token and store a new refresh token (a new family unless one is given).

    A refresh token lives `refresh_token_ttl_s` (7 days), but never past `session_max_life_s`
    (30 days) from its family's sign-in, however often it is rotated."""
    now = deps.clock.now()
    refresh = new_secret()
    refresh_expires = now + timedelta(seconds=deps.platform.refresh_token_ttl_s)
    if family_started_at is not None:
        refresh_expires = min(
            refresh_expires, family_started_at + timedelta(seconds=deps.settings.session_max_life_s)
        )
    session.add(
        RefreshToken(
            id=new_id(),
            token_hash=digest(refresh),
            family_id=family_id or new_id(),
            user_id=user.id,
            created_at=now,
            expires_at=refresh_expires,
        )
    )
    access = deps.keys.sign_access_token(access_claims(user))
    ttl = deps.keys.access_ttl_s
    return IssuedTokens(access, refresh, ttl, now + timedelta(seconds=ttl), refresh_expires)


def _invalid() -> Unauthenticated:
    return Unauthenticated("the refresh token is not valid", reason="REFRESH_TOKEN_INVALID")


async def revoke_family(session: AsyncSession, family_id: str, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_all(session: AsyncSession, user_id: str, now: datetime) -> int:
    """End every session of a user (password change, account disabled, logout everywhere): revoke
    the refresh tokens and raise the session version, which the caller announces once committed
    (`announce_revocation`) so access tokens already out stop working too. Returns the version."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    user = await session.get(User, user_id)
    if user is None:
        return 0
    user.session_version = (user.session_version or 0) + 1
    await session.flush()
    return user.session_version


async def announce_revocation(deps: AuthDeps, user_id: str, version: int) -> None:
    """Tell every server and the edge, after the commit, that tokens below `version` are revoked."""
    keep_s = deps.keys.access_ttl_s + 60  # after that every token signed before is expired anyway
    await revocation.announce(deps.kv, deps.bus, user_id, version, keep_s)


async def refresh_tokens(deps: AuthDeps, refresh_token: str) -> tuple[User, IssuedTokens]:
    """Spend a refresh token for new tokens; a spent one revokes its family."""
    reused = False
    async with deps.db.transaction() as s:
        now = deps.clock.now()
        row = await s.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(refresh_token)))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise _invalid()
        spent = await s.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == row.id, RefreshToken.spent_at.is_(None), RefreshToken.revoked_at.is_(None)
            )
            .values(spent_at=now)
            .execution_options(synchronize_session=False)
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            spent_at = await s.scalar(select(RefreshToken.spent_at).where(RefreshToken.id == row.id))
            grace = timedelta(seconds=deps.settings.refresh_race_grace_s)
            if spent_at is not None and now - spent_at <= grace:
                raise Aborted(
                    "this refresh token was just used by another request; use the newer token",
                    reason="REFRESH_RACE",
                )
            reused = True
            await revoke_family(s, row.family_id, now)
        else:
            user = await s.get(User, row.user_id)
            if user is None or user.disabled:
                raise _invalid()
            started = await s.scalar(
                select(func.min(RefreshToken.created_at)).where(RefreshToken.family_id == row.family_id)
            )
            issued = await issue_tokens(deps, s, user, row.family_id, started or now)
    if reused:  # raised after the commit so the revocation sticks
        raise Unauthenticated("the refresh token was already used", reason="REFRESH_TOKEN_REUSED")
    assert user is not None
    return user, issued


async def logout(deps: AuthDeps, refresh_token: str, all_sessions: bool) -> None:
    """Revoke the token's family, or every session of its user.

    Signing out everywhere takes the session's current refresh token: a spent or expired one (an
    old copy from a log or a backup) can end its own family, never the owner's other sessions."""
    async with deps.db.transaction() as s:
        row = await s.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(refresh_token)))
        now = deps.clock.now()
        if row is None or row.revoked_at is not None:
            raise _invalid()
        if all_sessions and (row.spent_at is not None or row.expires_at <= now):
            raise _invalid()
        version = 0
        if all_sessions:
            version = await revoke_all(s, row.user_id, now)
        else:
            await revoke_family(s, row.family_id, now)
    if version:
        await announce_revocation(deps, row.user_id, version)
