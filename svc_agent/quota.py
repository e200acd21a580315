"""The /agent/chat limits: answered messages per day by plan (seed 7.2) and messages per minute
per user (seed 3.4, step 3).

The chassis charges one call of the `agent_chat` quota when Chat is admitted (so an over-quota
user is refused before anything runs) and gives it back when the call fails (refused here,
another user's conversation, a client that left); a reply the language model never answered
(Claude failed or is not configured and the templates answered) is given back here.
"""

from __future__ import annotations

from core import quotas
from core.errors import ResourceExhausted
from core.kv import KeyValue
from core.principal import Principal

CHAT_QUOTA = "agent_chat"
MINUTE = 60


class ChatQuota:
    def __init__(self, kv: KeyValue, messages_per_minute: int) -> None:
        self._kv = kv
        self._per_minute = messages_per_minute

    async def refund(self, principal: Principal) -> None:
        await quotas.refund_served(self._kv, CHAT_QUOTA, principal)

    async def limit_rate(self, principal: Principal) -> None:
        """Count one message in the user's minute; ResourceExhausted (with Retry-After) past it."""
        if principal.kind != "user" or principal.is_admin:
            return
        key = f"rate:{CHAT_QUOTA}:{principal.subject}"
        allowed, _count, retry_after = await self._kv.incr_window(key, self._per_minute, MINUTE)
        if not allowed:
            raise ResourceExhausted(
                f"at most {self._per_minute} messages a minute",
                reason="CHAT_RATE_LIMITED",
                retry_after_s=retry_after,
                metadata={"limit": str(self._per_minute)},
            )
