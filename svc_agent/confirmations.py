"""Paper trades wait for the user: the tool proposes, the user's own next message confirms.

Only a message the user sent can confirm, and only the pending proposal of that conversation,
once: text the model writes, a tool returns or a lesson contains never executes anything.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from core.clock import Clock
from core.db import Database
from svc_agent.models import TradeProposal

_CONFIRM = re.compile(
    r"^\s*(yes|y|yep|confirm|confirmed|i confirm|go ahead|do it|place it|s[ií]|confirmo|confirmar|confirmado|"
    r"dale|adelante|hazlo|ok|okay)([\s,]+(yes|confirm|confirmo|please|por favor|s[ií]))*\s*[.!]*\s*$",
    re.IGNORECASE,
)
_CANCEL = re.compile(
    r"^\s*(no|n|nope|cancel|cancelar|cancela|cancelo|don'?t|no lo hagas|stop)([\s,]+\w+){0,3}\s*[.!]*\s*$",
    re.IGNORECASE,
)


def is_confirmation(text: str) -> bool:
    return bool(_CONFIRM.match(text))


def is_cancellation(text: str) -> bool:
    return bool(_CANCEL.match(text))


@dataclass(frozen=True)
class Proposal:
    """A proposed market order on the user's paper account."""

    id: str
    conversation_id: str
    user_id: str
    symbol: str
    side: str
    amount: str
    status: str
    expires_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"proposal_id": self.id, "symbol": self.symbol, "side": self.side, "amount": self.amount}


def _proposal(row: TradeProposal) -> Proposal:
    return Proposal(
        row.id, row.conversation_id, row.user_id, row.symbol, row.side, row.amount, row.status, row.expires_at
    )


class ProposalBook:
    """The proposals of every conversation, in the `llm` schema."""

    def __init__(self, db: Database, clock: Clock, ttl_s: float) -> None:
        self._db = db
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_s)

    async def propose(
        self, user_id: str, conversation_id: str, symbol: str, side: str, amount: str
    ) -> Proposal:
        """A new pending proposal; one still pending in the conversation is cancelled (replaced)."""
        now = self._clock.now()
        row = TradeProposal(
            id=str(uuid.uuid4()),
            conversation_id=conversation_id,
            user_id=user_id,
            symbol=symbol,
            side=side,
            amount=amount,
            status="pending",
            created_at=now,
            expires_at=now + self._ttl,
        )
        async with self._db.transaction() as s:
            await s.execute(
                update(TradeProposal)
                .where(TradeProposal.conversation_id == conversation_id, TradeProposal.status == "pending")
                .values(status="cancelled", decided_at=now)
            )
            s.add(row)
        return _proposal(row)

    async def pending(self, conversation_id: str) -> Proposal | None:
        """The conversation's pending proposal that has not expired."""
        async with self._db.session() as s:
            row = await s.scalar(
                select(TradeProposal)
                .where(TradeProposal.conversation_id == conversation_id, TradeProposal.status == "pending")
                .order_by(TradeProposal.created_at.desc())
                .limit(1)
            )
        if row is None or row.expires_at <= self._clock.now():
            return None
        return _proposal(row)

    async def claim(self, proposal_id: str) -> bool:
        """Move a pending proposal to executing; True for exactly one caller."""
        async with self._db.transaction() as s:
            done = await s.execute(
                update(TradeProposal)
                .where(TradeProposal.id == proposal_id, TradeProposal.status == "pending")
                .values(status="executing", decided_at=self._clock.now())
            )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    async def cancel(self, proposal_id: str) -> None:
        await self._finish(proposal_id, "pending", "cancelled", None)

    async def settle(self, proposal_id: str, executed: bool, result: dict[str, Any]) -> None:
        await self._finish(proposal_id, "executing", "executed" if executed else "failed", result)

    async def _finish(
        self, proposal_id: str, current: str, status: str, result: dict[str, Any] | None
    ) -> None:
        async with self._db.transaction() as s:
            await s.execute(
                update(TradeProposal)
                .where(TradeProposal.id == proposal_id, TradeProposal.status == current)
                .values(status=status, decided_at=self._clock.now(), result=result)
            )
