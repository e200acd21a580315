"""svc_agent's tables, in the `llm` schema: conversations, their messages and trade proposals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UtcDateTime, make_base

Base: Any = make_base("llm")


class Conversation(Base):
    """A user's chat with the assistant."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_user_id_updated_at", "user_id", "updated_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(120))
    message_count: Mapped[int] = mapped_column(Integer)
    last_message_preview: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Message(Base):
    """One message: the user's text, or the assistant's reply with its tool calls and tokens."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_id_seq", "conversation_id", "seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("llm.conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(10))  # user, assistant
    content: Mapped[str] = mapped_column(Text)
    # [{"id", "name", "input", "output", "is_error"}] in the order they ran.
    tool_calls: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    model: Mapped[str] = mapped_column(String(64))
    stop_reason: Mapped[str] = mapped_column(String(16))
    input_tokens: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TradeProposal(Base):
    """A paper trade the assistant proposed; it runs once, only on the user's confirmation."""

    __tablename__ = "trade_proposals"
    __table_args__ = (Index("ix_trade_proposals_conversation_id_status", "conversation_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("llm.conversations.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(4))  # buy, sell
    amount: Mapped[str] = mapped_column(String(32))  # an exact decimal, in units
    status: Mapped[str] = mapped_column(String(10))  # pending, executing, executed, failed, cancelled
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
