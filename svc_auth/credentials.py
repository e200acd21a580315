"""Service credentials: scoped API keys for service-to-service calls (`x-api-key`).

Keys are stored as their SHA-256 (they are 256 random bits, so a slow hash adds nothing).
Two verifiers give other code a `core.principal.Principal` for a key: one reads the database
(the auth service itself), one asks the auth service over gRPC and caches answers briefly.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import grpc
from sqlalchemy import select

from core.clock import Clock
from core.db import Database
from core.errors import NotFound
from core.principal import Principal
from svc_auth.models import ServiceCredential
from svc_auth.tokens import digest, new_id

KEY_PREFIX = "tsk_"
INTERNAL_CREDENTIAL_ID = "internal"


@dataclass(frozen=True)
class NewCredential:
    """A created credential and its key, which is never shown again."""

    credential: ServiceCredential
    api_key: str


async def create(db: Database, clock: Clock, name: str, scopes: list[str]) -> NewCredential:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ServiceCredential(
        id=new_id(), name=name.strip(), scopes=" ".join(sorted(set(scopes))), key_hash=digest(key),
        key_prefix=key[:12], created_at=clock.now(),
    )  # fmt: skip
    async with db.transaction() as s:
        s.add(row)
    return NewCredential(row, key)


async def revoke(db: Database, clock: Clock, credential_id: str) -> ServiceCredential:
    async with db.transaction() as s:
        row = await s.get(ServiceCredential, credential_id)
        if row is None:
            raise NotFound("no such credential", reason="CREDENTIAL_NOT_FOUND")
        if row.revoked_at is None:
            row.revoked_at = clock.now()
    return row


async def lookup(db: Database, api_key: str) -> ServiceCredential | None:
    """The valid (unrevoked) credential of a key, or None."""
    if not api_key.startswith(KEY_PREFIX):
        return None
    async with db.session() as s:
        row = await s.scalar(select(ServiceCredential).where(ServiceCredential.key_hash == digest(api_key)))
    return row if row is not None and row.revoked_at is None else None


def service_principal(credential_id: str, name: str, scopes: frozenset[str]) -> Principal:
    """A service caller: subject "service:<name>", its scopes, the credential id as token_id."""
    return Principal(kind="service", subject=f"service:{name}", scopes=scopes, token_id=credential_id)


class DatabaseCredentialVerifier:
    """Verifies keys against svc_auth's table; also accepts the platform's internal key if set."""

    def __init__(self, db: Database, internal_api_key: str = "") -> None:
        self.db = db
        self.internal_api_key = internal_api_key

    async def describe(self, key: str) -> tuple[str, str, frozenset[str]] | None:
        """(id, name, scopes) of a valid key, else None."""
        if self.internal_api_key and hmac.compare_digest(key.encode(), self.internal_api_key.encode()):
            return INTERNAL_CREDENTIAL_ID, "internal", frozenset({"*"})
        row = await lookup(self.db, key)
        return None if row is None else (row.id, row.name, frozenset(row.scopes.split()))

    async def verify_api_key(self, key: str) -> Principal | None:
        found = await self.describe(key)
        return None if found is None else service_principal(*found)


class RemoteCredentialVerifier:
    """Verifies keys by calling AuthService.VerifyServiceCredential, caching answers for `ttl_s`.

    `stub` is an AuthServiceStub; `own_api_key` is this service's credential, sent so the auth
    service lets it call. A revoked key keeps working here for at most `ttl_s`.
    """

    def __init__(
        self, stub: Any, own_api_key: str, clock: Clock, *, ttl_s: float = 30.0, max_entries: int = 10_000
    ) -> None:
        self.stub = stub
        self.own_api_key = own_api_key
        self.clock = clock
        self.ttl = timedelta(seconds=ttl_s)
        self.max_entries = max_entries
        self._cache: dict[str, tuple[datetime, Principal | None]] = {}

    async def verify_api_key(self, key: str) -> Principal | None:
        from trading.auth.v1 import auth_messages_pb2 as m

        cache_key = digest(key)
        now = self.clock.now()
        hit = self._cache.get(cache_key)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            reply = await self.stub.VerifyServiceCredential(
                m.VerifyServiceCredentialRequest(api_key=key),
                metadata=(("x-api-key", self.own_api_key),),
                timeout=2.0,
            )
        except grpc.aio.AioRpcError:
            return None  # auth unreachable: refuse, and do not cache the refusal
        principal = None
        if reply.valid:
            c = reply.credential
            principal = service_principal(c.id, c.name, frozenset(c.scopes))
        if len(self._cache) >= self.max_entries:
            self._cache.clear()
        self._cache[cache_key] = (now + self.ttl, principal)
        return principal
