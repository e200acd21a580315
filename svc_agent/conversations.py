"""Conversations and their messages, per user, in the `llm` schema.

Another user's conversation is NOT_FOUND, exactly like one that does not exist, so ids cannot be
probed. Deleting a conversation removes its messages and trade proposals with it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from core.clock import Clock
from core.db import Database
from core.errors import InvalidArgument, NotFound
from svc_agent.models import Conversation, Message, TradeProposal

TITLE_CHARS = 80
PREVIEW_CHARS = 160


@dataclass(frozen=True)
class ConversationRecord:
    id: str
    user_id: str
    title: str
    message_count: int
    last_message_preview: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StoredMessage:
    id: str
    conversation_id: str
    role: str
    content: str
    created_at: datetime
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    model: str = ""
    stop_reason: str = ""
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class ConversationPage:
    items: list[ConversationRecord]
    next_token: str


def _record(row: Conversation) -> ConversationRecord:
    return ConversationRecord(
        row.id,
        row.user_id,
        row.title,
        row.message_count,
        row.last_message_preview,
        row.created_at,
        row.updated_at,
    )


def _message(row: Message) -> StoredMessage:
    return StoredMessage(
        row.id,
        row.conversation_id,
        row.role,
        row.content,
        row.created_at,
        list(row.tool_calls or []),
        row.model,
        row.stop_reason,
        row.input_tokens,
        row.output_tokens,
    )


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class ConversationStore:
    def __init__(self, db: Database, clock: Clock, default_page_size: int = 20) -> None:
        self._db = db
        self._clock = clock
        self._page_size = default_page_size

    async def create(self, user_id: str, first_message: str, message_id: str) -> ConversationRecord:
        """A new conversation with the user's first message in it (one transaction)."""
        now = self._clock.now()
        row = Conversation(
            id=str(uuid.uuid4()),
            user_id=user_id,
            title=_shorten(first_message, TITLE_CHARS) or "Conversation",
            message_count=1,
            last_message_preview=_shorten(first_message, PREVIEW_CHARS),
            created_at=now,
            updated_at=now,
        )
        first = Message(
            id=message_id,
            conversation_id=row.id,
            seq=1,
            role="user",
            content=first_message,
            tool_calls=[],
            model="",
            stop_reason="",
            input_tokens=0,
            output_tokens=0,
            created_at=now,
        )
        async with self._db.transaction() as s:
            s.add(row)
            await s.flush()
            s.add(first)
        return _record(row)

    async def owned(self, conversation_id: str, user_id: str) -> ConversationRecord:
        async with self._db.session() as s:
            row = await s.get(Conversation, conversation_id)
        if row is None or row.user_id != user_id:
            raise NotFound("no such conversation", reason="CONVERSATION_NOT_FOUND")
        return _record(row)

    async def owner_of(self, conversation_id: str) -> str | None:
        async with self._db.session() as s:
            owner: str | None = await s.scalar(
                select(Conversation.user_id).where(Conversation.id == conversation_id)
            )
        return owner

    async def may_see(self, conversation_id: str, user_id: str) -> bool:
        """Whether `user_id` owns the conversation (a missing one is nobody's)."""
        owner = await self.owner_of(conversation_id)
        return owner is not None and owner == user_id

    async def page(self, user_id: str, page_size: int, page_token: str) -> ConversationPage:
        size = page_size or self._page_size
        try:
            offset = int(page_token or "0")
        except ValueError:
            raise InvalidArgument(
                "bad page token", violations=[("page.page_token", "not a page token")]
            ) from None
        if offset < 0:
            raise InvalidArgument("bad page token", violations=[("page.page_token", "not a page token")])
        async with self._db.session() as s:
            rows = (
                await s.scalars(
                    select(Conversation)
                    .where(Conversation.user_id == user_id)
                    .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
                    .offset(offset)
                    .limit(size + 1)
                )
            ).all()
        more = len(rows) > size
        return ConversationPage([_record(r) for r in rows[:size]], str(offset + size) if more else "")

    async def messages(self, conversation_id: str) -> list[StoredMessage]:
        async with self._db.session() as s:
            rows = (
                await s.scalars(
                    select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
                )
            ).all()
        return [_message(r) for r in rows]

    async def add_message(
        self,
        conversation_id: str,
        role: str,
        content: str,
        *,
        tool_calls: list[dict[str, Any]] | None = None,
        model: str = "",
        stop_reason: str = "",
        input_tokens: int = 0,
        output_tokens: int = 0,
        message_id: str | None = None,
    ) -> StoredMessage:
        now = self._clock.now()
        async with self._db.transaction() as s:
            conversation = await s.get(Conversation, conversation_id)
            if conversation is None:  # deleted while the reply was being written
                raise NotFound("no such conversation", reason="CONVERSATION_NOT_FOUND")
            seq = (
                await s.scalar(
                    select(func.max(Message.seq)).where(Message.conversation_id == conversation_id)
                )
            ) or 0
            row = Message(
                id=message_id or str(uuid.uuid4()),
                conversation_id=conversation_id,
                seq=seq + 1,
                role=role,
                content=content,
                tool_calls=tool_calls or [],
                model=model,
                stop_reason=stop_reason,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                created_at=now,
            )
            s.add(row)
            conversation.message_count = conversation.message_count + 1
            conversation.last_message_preview = _shorten(content, PREVIEW_CHARS)
            conversation.updated_at = now
        return _message(row)

    async def delete(self, conversation_id: str, user_id: str) -> None:
        await self.owned(conversation_id, user_id)
        async with self._db.transaction() as s:
            await s.execute(delete(TradeProposal).where(TradeProposal.conversation_id == conversation_id))
            await s.execute(delete(Message).where(Message.conversation_id == conversation_id))
            await s.execute(delete(Conversation).where(Conversation.id == conversation_id))
