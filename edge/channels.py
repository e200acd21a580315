"""Which bus channels a WebSocket client may subscribe to (seed 5.2)."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from trading.agent.v1 import agent_messages_pb2 as agent_pb

from core.clock import Clock

log = logging.getLogger(__name__)

# ChatOwnerCheck(conversation_id, user_id) -> whether that user owns the conversation.
ChatOwnerCheck = Callable[[str, str], Awaitable[bool]]

_PUBLIC = re.compile(r"(ticker|signals):[A-Za-z0-9._-]{1,32}")
_USER = re.compile(r"user:([A-Za-z0-9_-]{1,64}):(trades|positions|notifications)")
_CHAT = re.compile(r"chat:([A-Za-z0-9_-]{1,64})")


@dataclass(frozen=True)
class Verdict:
    """The answer for one channel: allowed, or why not (a stable reason)."""

    allowed: bool
    reason: str = ""


ALLOWED = Verdict(True)


async def deny_all_chats(conversation_id: str, user_id: str) -> bool:
    """The chat owner check until the agent service answers it: nobody owns anything."""
    return False


class AgentChatOwners:
    """ChatOwnerCheck asking svc_agent (CheckConversationAccess, with the service credential).

    Answers are cached per (conversation, user): a yes for `allowed_ttl_s` (conversations change
    owner never), a no briefly (a conversation may be created just after), and a failing agent
    is a no that is not cached.
    """

    def __init__(
        self, agent: Any, clock: Clock, *, allowed_ttl_s: float = 300.0, denied_ttl_s: float = 5.0
    ) -> None:
        self._agent = agent  # a (guarded) AgentServiceStub
        self._clock = clock
        self._ttl = {True: timedelta(seconds=allowed_ttl_s), False: timedelta(seconds=denied_ttl_s)}
        self._cache: dict[tuple[str, str], tuple[bool, datetime]] = {}

    async def __call__(self, conversation_id: str, user_id: str) -> bool:
        key = (conversation_id, user_id)
        now = self._clock.now()
        cached = self._cache.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        request = agent_pb.CheckConversationAccessRequest(conversation_id=conversation_id, user_id=user_id)
        try:
            allowed = bool((await self._agent.CheckConversationAccess(request, timeout=5.0)).allowed)
        except Exception:
            log.warning("chat owner check failed", extra={"fields": {"conversation_id": conversation_id}})
            return False
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (allowed, now + self._ttl[allowed])
        return allowed


async def may_subscribe(channel: str, user_id: str, chat_owner: ChatOwnerCheck) -> Verdict:
    """Public ticker:/signals: channels, the user's own user:{id}:* channels, chats they own."""
    if _PUBLIC.fullmatch(channel):
        return ALLOWED
    if m := _USER.fullmatch(channel):
        return ALLOWED if m.group(1) == user_id else Verdict(False, "NOT_OWNER")
    if m := _CHAT.fullmatch(channel):
        return ALLOWED if await chat_owner(m.group(1), user_id) else Verdict(False, "NOT_OWNER")
    return Verdict(False, "UNKNOWN_CHANNEL")
