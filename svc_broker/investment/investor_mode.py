"""Investor mode (seed 9.1, 9.2): the venue behind a circuit breaker (MetaAPI's: 10 failures,
10 s per call, 30 s open). While the circuit is open the product's accounts are paused, tracking
only (no new orders), and each owner finds a notice in their account's decision log; once a trial
call succeeds the circuit closes and the accounts trade again. Each owner is also told on
`user:{id}:notifications` (`investor_mode_changed`, staged in the same transaction as the change
and published by the investment outbox relay), when trading stops and when it resumes."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from trading.events.v1 import events_payloads_pb2 as ev

from core import outbox
from core.breaker import OPEN, CircuitBreaker
from core.clock import Clock
from core.db import Database
from core.errors import DomainError, Unavailable
from core.events import new_event, user_notifications_channel
from svc_broker.broker import (
    UNCHANGED,
    AccountView,
    Broker,
    CloseResult,
    ExecutionReport,
    OrderRequest,
    OrderView,
    Page,
    PositionView,
)
from svc_broker.investment.accounts import ACTIVE, PAUSED
from svc_broker.investment.models import OUTBOX, AgentDecision, InvestmentAccountRow

log = logging.getLogger("svc_broker.investment.investor_mode")
INVESTOR_MODE = "investor_mode"
PRODUCER = "broker"


def _venue_fault(exc: BaseException) -> bool:
    """A refusal (market closed, margin) is the venue working; timeouts and outages are faults."""
    return not isinstance(exc, DomainError) or isinstance(exc, Unavailable)


class BreakerVenue:
    """A Broker whose every call goes through the venue's circuit breaker."""

    def __init__(self, venue: Broker, breaker: CircuitBreaker) -> None:
        self.venue, self.breaker = venue, breaker

    async def place_order(self, account: str, request: OrderRequest) -> OrderView:
        return await self.breaker.call(lambda: self.venue.place_order(account, request), counts=_venue_fault)

    async def modify_order(
        self,
        account: str,
        order_id: str,
        *,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        stop_loss: Decimal | None = UNCHANGED,
        take_profit: Decimal | None = UNCHANGED,
    ) -> OrderView:
        return await self.breaker.call(
            lambda: self.venue.modify_order(
                account,
                order_id,
                limit_price=limit_price,
                stop_price=stop_price,
                stop_loss=stop_loss,
                take_profit=take_profit,
            ),
            counts=_venue_fault,
        )

    async def cancel_order(self, account: str, order_id: str) -> OrderView:
        return await self.breaker.call(
            lambda: self.venue.cancel_order(account, order_id), counts=_venue_fault
        )

    async def get_order(self, account: str, order_id: str) -> OrderView:
        return await self.breaker.call(lambda: self.venue.get_order(account, order_id), counts=_venue_fault)

    async def list_orders(
        self,
        account: str,
        *,
        status: str | None = None,
        symbol: str | None = None,
        page_size: int = 0,
        page_token: str = "",
    ) -> Page[OrderView]:
        return await self.breaker.call(
            lambda: self.venue.list_orders(
                account, status=status, symbol=symbol, page_size=page_size, page_token=page_token
            ),
            counts=_venue_fault,
        )

    async def positions(
        self, account: str, *, status: str = "open", page_size: int = 0, page_token: str = ""
    ) -> Page[PositionView]:
        return await self.breaker.call(
            lambda: self.venue.positions(account, status=status, page_size=page_size, page_token=page_token),
            counts=_venue_fault,
        )

    async def get_position(self, account: str, position_id: str) -> PositionView:
        return await self.breaker.call(
            lambda: self.venue.get_position(account, position_id), counts=_venue_fault
        )

    async def close_position(
        self, account: str, position_id: str, quantity: Decimal | None = None
    ) -> CloseResult:
        return await self.breaker.call(
            lambda: self.venue.close_position(account, position_id, quantity), counts=_venue_fault
        )

    async def modify_position(
        self,
        account: str,
        position_id: str,
        *,
        stop_loss: Decimal | None = UNCHANGED,
        take_profit: Decimal | None = UNCHANGED,
    ) -> PositionView:
        return await self.breaker.call(
            lambda: self.venue.modify_position(
                account, position_id, stop_loss=stop_loss, take_profit=take_profit
            ),
            counts=_venue_fault,
        )

    async def account_state(self, account: str) -> AccountView:
        return await self.breaker.call(lambda: self.venue.account_state(account), counts=_venue_fault)

    async def execution_reports(
        self, account: str, *, symbol: str | None = None, page_size: int = 0, page_token: str = ""
    ) -> Page[ExecutionReport]:
        return await self.breaker.call(
            lambda: self.venue.execution_reports(
                account, symbol=symbol, page_size=page_size, page_token=page_token
            ),
            counts=_venue_fault,
        )


class InvestorMode:
    def __init__(self, db: Database, clock: Clock, venue: BreakerVenue) -> None:
        self.db, self.clock, self.venue = db, clock, venue

    async def check(self) -> str:
        """Pause every trading account while the circuit is open; after a successful trial call,
        resume the accounts it paused. Returns the breaker's state."""
        if self.venue.breaker.state == OPEN and self.venue.breaker.retry_after_s() > 0:
            await self._move(ACTIVE, PAUSED, "investor mode: the broker is unreachable, tracking only")
            return OPEN
        paused = await self._paused()
        if paused and paused[0].venue_account:
            try:
                await self.venue.account_state(paused[0].venue_account)  # the trial call
            except Exception:  # any failure of the trial call re-opens the circuit
                await self._move(ACTIVE, PAUSED, "investor mode: the broker is unreachable, tracking only")
                return self.venue.breaker.state
            await self._move(PAUSED, ACTIVE, "the broker is reachable again: trading resumed")
        return self.venue.breaker.state

    async def run(self, every_s: float = 5.0) -> None:
        while True:
            try:
                await self.check()
            except Exception:
                log.exception("investor mode check failed")
            await self.clock.sleep(every_s)

    async def _paused(self) -> list[InvestmentAccountRow]:
        async with self.db.session() as s:
            return list(
                await s.scalars(
                    select(InvestmentAccountRow).where(
                        InvestmentAccountRow.status == PAUSED, InvestmentAccountRow.failure == INVESTOR_MODE
                    )
                )
            )

    async def _move(self, old: str, new: str, notice: str) -> None:
        now: datetime = self.clock.now()
        async with self.db.transaction() as s:
            query = select(InvestmentAccountRow).where(InvestmentAccountRow.status == old)
            if old == PAUSED:
                query = query.where(InvestmentAccountRow.failure == INVESTOR_MODE)
            rows = list(await s.scalars(query))
            for row in rows:
                s.add(
                    AgentDecision(
                        account_id=row.id,
                        agent_id=row.agent_id or "",
                        signal_id=f"{new}-{now.isoformat()}"[:64],
                        symbol="",
                        decision=new,
                        reason=notice,
                        at=now,
                    )
                )
                await self._notify(s, row, new == PAUSED, notice, now)
            await s.execute(
                update(InvestmentAccountRow)
                .where(InvestmentAccountRow.id.in_([r.id for r in rows]))
                .values(status=new, failure=INVESTOR_MODE if new == PAUSED else None, updated_at=now)
            )

    async def _notify(
        self, s: AsyncSession, row: InvestmentAccountRow, paused: bool, notice: str, now: datetime
    ) -> None:
        channel = user_notifications_channel(row.user_id)
        payload = ev.InvestorModeChanged(user_id=row.user_id, account_id=row.id, paused=paused, reason=notice)
        payload.changed_at.FromDatetime(now)
        event = new_event("investor_mode_changed", channel, payload, PRODUCER, self.clock)
        await outbox.stage(s, channel, event.SerializeToString(), table=OUTBOX, clock=self.clock)
