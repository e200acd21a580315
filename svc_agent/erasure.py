"""A deleted account in the assistant: every conversation, with its messages and trade proposals,
is deleted (chat history is personal data; nothing here is a financial record)."""

from __future__ import annotations

from sqlalchemy import delete, select

from core.db import Database
from svc_agent import models as m


async def erase_conversations(db: Database, user_id: str) -> None:
    """Idempotent: a second run finds nothing to delete."""
    async with db.transaction() as s:
        owned = select(m.Conversation.id).where(m.Conversation.user_id == user_id)
        await s.execute(delete(m.TradeProposal).where(m.TradeProposal.conversation_id.in_(owned)))
        await s.execute(delete(m.Message).where(m.Message.conversation_id.in_(owned)))
        await s.execute(delete(m.TradeProposal).where(m.TradeProposal.user_id == user_id))
        await s.execute(delete(m.Conversation).where(m.Conversation.user_id == user_id))
