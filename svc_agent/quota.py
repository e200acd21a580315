"""The /agent/chat quota (seed 7.2) counts answered messages.

The chassis charges one call of the `agent_chat` quota when Chat is admitted (so an over-quota
user is refused before anything runs); a reply the language model never answered (Claude
failed or is not configured, and the templates answered; or the call failed before it) gives
that call back here.
"""

from __future__ import annotations

from core import quotas
from core.kv import KeyValue
from core.principal import Principal

CHAT_QUOTA = "agent_chat"


class ChatQuota:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def refund(self, principal: Principal) -> None:
        await quotas.refund(self._kv, CHAT_QUOTA, principal)
