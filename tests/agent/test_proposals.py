"""A proposed paper trade runs once at most, only while it is pending, and expires."""

from __future__ import annotations

import asyncio

from core.clock import TestClock
from svc_agent.confirmations import ProposalBook
from svc_agent.conversations import ConversationStore
from svc_agent.models import Base


async def book_and_conversation(make_database, clock: TestClock) -> tuple[ProposalBook, str]:
    db = await make_database(Base.metadata)
    conversation = await ConversationStore(db, clock).create("u1", "buy something", "first-message")
    return ProposalBook(db, clock, ttl_s=600), conversation.id


async def test_two_confirmations_at_once_claim_the_proposal_once(make_database) -> None:
    clock = TestClock()
    book, conversation_id = await book_and_conversation(make_database, clock)
    proposal = await book.propose("u1", conversation_id, "EURUSD", "buy", "1000")
    claims = await asyncio.gather(*(book.claim(proposal.id) for _ in range(5)))
    assert sorted(claims) == [False, False, False, False, True]
    assert await book.pending(conversation_id) is None


async def test_a_new_proposal_replaces_the_pending_one_and_proposals_expire(make_database) -> None:
    clock = TestClock()
    book, conversation_id = await book_and_conversation(make_database, clock)
    first = await book.propose("u1", conversation_id, "EURUSD", "buy", "1000")
    second = await book.propose("u1", conversation_id, "EURUSD", "sell", "500")
    pending = await book.pending(conversation_id)
    assert pending is not None
    assert pending.id == second.id
    assert not await book.claim(first.id)
    clock.advance(601)
    assert await book.pending(conversation_id) is None
