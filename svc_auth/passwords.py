"""Passwords: Argon2id hashes, length rules and email normalisation."""

from __future__ import annotations

import asyncio
import secrets
import unicodedata

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.errors import InvalidArgument
from svc_auth.config import AuthSettings


def normalise_email(email: str) -> str:
    """Trimmed, NFKC and lower case: the one form stored and looked up."""
    return unicodedata.normalize("NFKC", email).strip().lower()


class Passwords:
    """Hashes and checks passwords with Argon2id, off the event loop."""

    def __init__(self, settings: AuthSettings) -> None:
        self.min_length = settings.password_min_length
        self.max_length = settings.password_max_length
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            type=Type.ID,
        )
        # Checked for unknown emails so they cost what a wrong password costs.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def check_rules(self, password: str, field: str = "password") -> None:
        """Refuse a password outside the length rules (never truncate it)."""
        if len(password) < self.min_length:
            raise InvalidArgument(
                f"the password needs at least {self.min_length} characters",
                violations=[(field, f"at least {self.min_length} characters")],
                reason="PASSWORD_TOO_SHORT",
            )
        if len(password) > self.max_length:
            raise InvalidArgument(
                f"the password may have at most {self.max_length} characters",
                violations=[(field, f"at most {self.max_length} characters")],
                reason="PASSWORD_TOO_LONG",
            )

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    def _verify(self, hashed: str | None, password: str) -> bool:
        if len(password) > self.max_length:
            hashed, password = self._dummy_hash, ""  # same cost, never a match
        try:
            return self._hasher.verify(hashed or self._dummy_hash, password) and hashed is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def verify(self, hashed: str | None, password: str) -> bool:
        """True when `password` matches `hashed`; a None hash costs the same and never matches."""
        return await asyncio.to_thread(self._verify, hashed, password)

    def needs_rehash(self, hashed: str) -> bool:
        return self._hasher.check_needs_rehash(hashed)
