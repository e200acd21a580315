"""The consumer side of `auth.account_deleted`: each service erases the personal data it keeps for
a deleted account (docs/auth.md, Privacy). Delivery is at least once, so an eraser must be
idempotent; an entry is acknowledged only once its eraser has finished."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable

from core.bus import Bus

log = logging.getLogger(__name__)
STREAM = "auth.account_deleted"
Eraser = Callable[[str], Awaitable[None]]


def anonymous_id(user_id: str) -> str:
    """A stable stand-in for a deleted user's id in records kept for statistics: the same user
    always maps to the same value, and it leads back to no account."""
    return "erased-" + hashlib.sha256(user_id.encode()).hexdigest()[:32]


class AccountDeletions:
    """Runs `erase(user_id)` for every account deleted, under the service's own consumer group."""

    def __init__(self, bus: Bus, group: str, erase: Eraser) -> None:
        self._bus = bus
        self._group = group
        self._erase = erase

    async def run(self) -> None:
        async for delivery in self._bus.consume(STREAM, self._group, f"{self._group}-1", claim_idle_s=60):
            try:
                user_id = str(json.loads(delivery.data)["user_id"])
            except (ValueError, KeyError, TypeError):
                log.warning("account_deleted entry without a user id", extra={"fields": {"id": delivery.id}})
                await delivery.ack()
                continue
            try:
                await self._erase(user_id)
            except Exception:  # left unacked: delivered again, the eraser being idempotent
                log.exception("personal data not erased", extra={"fields": {"group": self._group}})
                continue
            await delivery.ack()
