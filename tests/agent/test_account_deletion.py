"""A deleted account in the assistant (stream auth.account_deleted): the user's conversations,
messages and trade proposals are deleted; other users' stay; a redelivery changes nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from sqlalchemy import func, select

from core.account_deletion import STREAM, AccountDeletions
from core.bus import InProcessBus
from core.clock import TestClock
from core.db import Database
from svc_agent import models as m
from svc_agent.confirmations import ProposalBook
from svc_agent.conversations import ConversationStore
from svc_agent.erasure import erase_conversations


async def kept(db: Database, user_id: str) -> tuple[int, int, int]:
    async with db.session() as s:
        owned = select(m.Conversation.id).where(m.Conversation.user_id == user_id)
        conversations = await s.scalar(select(func.count()).where(m.Conversation.user_id == user_id))
        messages = await s.scalar(select(func.count()).where(m.Message.conversation_id.in_(owned)))
        proposals = await s.scalar(select(func.count()).where(m.TradeProposal.user_id == user_id))
    return int(conversations or 0), int(messages or 0), int(proposals or 0)


async def chat_of(db: Database, clock: TestClock, user_id: str) -> None:
    store, book = ConversationStore(db, clock), ProposalBook(db, clock, 300)
    for n in range(2):
        conversation = await store.create(user_id, f"question {n}", f"{user_id}-m{n}")
        await store.add_message(conversation.id, "assistant", "an answer", model="claude-sonnet-5-5")
        await book.propose(user_id, conversation.id, "BTCUSD", "buy", "0.01")


async def test_a_deleted_account_loses_its_conversations(make_database: Callable) -> None:
    db = await make_database(m.Base.metadata)
    clock, bus = TestClock(), InProcessBus()
    await chat_of(db, clock, "gone")
    await chat_of(db, clock, "kept")
    assert await kept(db, "gone") == (2, 4, 2)

    running = asyncio.create_task(AccountDeletions(bus, "agent", lambda u: erase_conversations(db, u)).run())
    try:
        await bus.xadd(STREAM, json.dumps({"user_id": "gone", "deleted_at": "x"}).encode())
        for _ in range(500):
            if await kept(db, "gone") == (0, 0, 0):
                break
            await asyncio.sleep(0.01)
    finally:
        running.cancel()
        await bus.close()
    assert await kept(db, "gone") == (0, 0, 0)
    assert await kept(db, "kept") == (2, 4, 2)
    await erase_conversations(db, "gone")  # redelivered: nothing more
    assert await kept(db, "kept") == (2, 4, 2)
