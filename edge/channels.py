"""Which bus channels a WebSocket client may subscribe to (seed 5.2)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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


async def may_subscribe(channel: str, user_id: str, chat_owner: ChatOwnerCheck) -> Verdict:
    """Public ticker:/signals: channels, the user's own user:{id}:* channels, chats they own."""
    if _PUBLIC.fullmatch(channel):
        return ALLOWED
    if m := _USER.fullmatch(channel):
        return ALLOWED if m.group(1) == user_id else Verdict(False, "NOT_OWNER")
    if m := _CHAT.fullmatch(channel):
        return ALLOWED if await chat_owner(m.group(1), user_id) else Verdict(False, "NOT_OWNER")
    return Verdict(False, "UNKNOWN_CHANNEL")
