"""The venue's breaker (10 failures, 30 s open): accounts go to investor mode (tracking only, the
owner told in the decision log) and trade again once a trial call succeeds."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from trading.events.v1.events_envelope_pb2 import Event

from core.breaker import CLOSED, METAAPI, OPEN, CircuitBreaker
from core.bus import InProcessBus
from core.outbox import OutboxRelay
from svc_broker.broker import AccountView, Broker, OrderRequest, OrderView
from svc_broker.investment.accounts import ACTIVE, PAUSED
from svc_broker.investment.agent import TradingAgent
from svc_broker.investment.investor_mode import BreakerVenue, InvestorMode
from svc_broker.investment.models import OUTBOX, AgentDecision
from svc_broker.investment.products import product
from svc_broker.investment.reconcile import Reconciler
from svc_broker.market import StaticSymbolCatalog
from tests.broker.conftest import SYMBOLS
from tests.investment.conftest import OWNER, Kit
from tests.investment.test_agent import btc_signal


@dataclass
class Outage:
    """The vendor's side of an outage: the connection drops while `down`."""

    venue: Broker
    down: bool = False

    async def account_state(self, account: str) -> AccountView:
        if self.down:
            raise ConnectionResetError("connection reset by peer")
        return await self.venue.account_state(account)


async def test_the_breaker_switches_accounts_to_investor_mode_and_back(kit: Kit) -> None:
    await kit.verified(OWNER, funds=50_000)
    account = await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    outage = Outage(kit.venue, down=True)
    breaker = CircuitBreaker("venue", METAAPI, kit.clock)
    guarded = BreakerVenue(outage, breaker)  # type: ignore[arg-type]
    mode = InvestorMode(kit.db, kit.clock, guarded)
    for _ in range(METAAPI.failure_threshold):
        with pytest.raises(ConnectionResetError):
            await guarded.account_state(account.row.venue_account or "")
    assert breaker.state == OPEN
    assert await mode.check() == OPEN
    [paused] = await kit.accounts.owned(OWNER)
    assert paused.row.status == PAUSED
    assert await kit.accounts.trading("atlas") == []  # the agent places nothing now

    outage.down = False
    kit.clock.advance(METAAPI.reset_s)
    assert await mode.check() == CLOSED
    [back] = await kit.accounts.owned(OWNER)
    assert back.row.status == ACTIVE
    async with kit.db.session() as s:
        notices = [d.decision for d in await s.scalars(select(AgentDecision).order_by(AgentDecision.id))]
    assert notices == [PAUSED, ACTIVE]
    bus = InProcessBus()
    async with bus.subscribe(f"user:{OWNER}:notifications") as inbox:
        assert await OutboxRelay(kit.db, bus, [OUTBOX], kit.clock).drain() >= 2
        told = [Event.FromString((await anext(inbox)).data) for _ in range(2)]
    assert [e.type for e in told] == ["investor_mode_changed"] * 2
    assert [(e.investor_mode_changed.account_id, e.investor_mode_changed.paused) for e in told] == [
        (account.row.id, True),
        (account.row.id, False),
    ]
    assert "tracking only" in told[0].investor_mode_changed.reason


async def test_a_venue_still_down_after_the_open_period_stays_in_investor_mode(kit: Kit) -> None:
    await kit.verified(OWNER, funds=50_000)
    account = await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    outage = Outage(kit.venue, down=True)
    breaker = CircuitBreaker("venue", METAAPI, kit.clock)
    guarded = BreakerVenue(outage, breaker)  # type: ignore[arg-type]
    mode = InvestorMode(kit.db, kit.clock, guarded)
    for _ in range(METAAPI.failure_threshold):
        with pytest.raises(ConnectionResetError):
            await guarded.account_state(account.row.venue_account or "")
    await mode.check()
    kit.clock.advance(METAAPI.reset_s)
    assert await mode.check() == OPEN  # the trial call failed: open again
    [still] = await kit.accounts.owned(OWNER)
    assert still.row.status == PAUSED


@dataclass
class LostReply:
    """The venue fills the order and the connection drops before the reply arrives."""

    venue: Broker
    drops: int = 1

    async def positions(self, account: str, **kwargs: object) -> object:
        return await self.venue.positions(account, **kwargs)  # type: ignore[arg-type]

    async def list_orders(self, account: str, **kwargs: object) -> object:
        return await self.venue.list_orders(account, **kwargs)  # type: ignore[arg-type]

    async def place_order(self, account: str, request: OrderRequest) -> OrderView:
        order = await self.venue.place_order(account, request)
        if self.drops:
            self.drops -= 1
            raise ConnectionResetError("connection reset by peer")
        return order


async def test_a_connection_reset_mid_order_neither_loses_nor_doubles_it(kit: Kit) -> None:
    await kit.verified(OWNER, funds=50_000)
    account = await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    catalog = StaticSymbolCatalog(SYMBOLS)
    agent = TradingAgent(
        product("atlas"),
        kit.accounts,
        LostReply(kit.venue),  # type: ignore[arg-type]
        kit.db,
        kit.clock,
        catalog.get,
        kit.book.latest,  # type: ignore[arg-type]
    )
    with pytest.raises(ConnectionResetError):
        await agent.on_signal(btc_signal())
    [retried] = await agent.on_signal(btc_signal())  # the signal is delivered again
    assert retried.decision == "taken"
    venue = account.row.venue_account or ""
    assert len((await kit.venue.list_orders(venue)).items) == 1
    assert await Reconciler(kit.db, kit.clock, kit.venue).reconcile_all() == 0  # already logged once
