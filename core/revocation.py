"""Revocation within seconds: a per-user session version.

Every access token carries `sv`, its user's session version when it was signed. Ending every
session of a user (password change or reset, account disabled, logout everywhere) raises the
version in svc_auth's database, then writes it to the key-value store (`auth:sv:<user>`, kept as
long as an access token lives) and publishes it on the bus channel `auth.sessions`. Every gRPC
server (the chassis interceptor) and the edge (WebSockets) refuse a token whose `sv` is below the
current version: they keep the versions they have seen in a small cache, updated at once by the
bus and read again from the store after `cache_ttl_s`, so a missed bus message delays a
revocation by seconds, never by the 15 minutes of a token's life.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from core.bus import Bus
from core.clock import Clock
from core.errors import Unauthenticated
from core.kv import KeyValue

log = logging.getLogger("core.revocation")

CHANNEL = "auth.sessions"
CLAIM = "sv"


def version_key(user_id: str) -> str:
    return f"auth:sv:{user_id}"


async def announce(kv: KeyValue, bus: Bus, user_id: str, version: int, keep_s: float) -> None:
    """Make `version` the lowest session version accepted for `user_id`, everywhere."""
    await kv.set(version_key(user_id), str(version).encode(), ttl_s=keep_s)
    await bus.publish(CHANNEL, json.dumps({"user_id": user_id, "version": version}).encode())


class SessionVersions:
    """The current session version of each user seen, cached; `check` refuses revoked tokens."""

    def __init__(
        self, kv: KeyValue, bus: Bus, clock: Clock, *, cache_ttl_s: float = 5.0, max_entries: int = 100_000
    ) -> None:
        self.kv = kv
        self.bus = bus
        self.clock = clock
        self.cache_ttl_s = cache_ttl_s
        self.max_entries = max_entries
        self._cache: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._listeners: list[Callable[[str, int], Any]] = []

    def on_revoke(self, listener: Callable[[str, int], Any]) -> None:
        """Call `listener(user_id, version)` for each version pushed over the bus."""
        self._listeners.append(listener)

    def _remember(self, user_id: str, version: int) -> None:
        self._cache[user_id] = (version, self.clock.now().timestamp())
        self._cache.move_to_end(user_id)
        while len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)

    async def current(self, user_id: str) -> int:
        cached = self._cache.get(user_id)
        if cached is not None and self.clock.now().timestamp() - cached[1] < self.cache_ttl_s:
            return cached[0]
        raw = await self.kv.get(version_key(user_id))
        version = int(raw) if raw else 0
        if cached is not None:
            version = max(version, cached[0])  # a pushed version outlives a store that lost it
        self._remember(user_id, version)
        return version

    async def check(self, claims: dict[str, Any]) -> None:
        """Unauthenticated (SESSION_REVOKED) when the token's sessions were ended after it was signed."""
        user_id = str(claims.get("sub", ""))
        if user_id and int(claims.get(CLAIM, 0)) < await self.current(user_id):
            raise Unauthenticated("this session was ended; sign in again", reason="SESSION_REVOKED")

    def learn(self, user_id: str, version: int) -> None:
        cached = self._cache.get(user_id)
        if cached is None or version > cached[0]:
            self._remember(user_id, version)
        for listener in self._listeners:
            listener(user_id, version)

    async def listen(self, ready: Callable[[], None] | None = None) -> None:
        """Apply the versions pushed over the bus until cancelled (a background task)."""
        async with self.bus.subscribe(CHANNEL) as sub:
            if ready is not None:
                ready()
            async for message in sub:
                try:
                    pushed = json.loads(message.data)
                    self.learn(str(pushed["user_id"]), int(pushed["version"]))
                except (ValueError, KeyError, TypeError):
                    log.warning("malformed session revocation dropped")
