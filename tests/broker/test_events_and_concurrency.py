"""Events leave through the outbox only for committed changes; one account under concurrent orders."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest
from trading.events.v1.events_envelope_pb2 import Event

from core.bus import InProcessBus
from core.errors import FailedPrecondition
from core.outbox import OutboxRelay
from svc_broker.broker import OrderRequest
from svc_broker.models import OUTBOX
from tests.broker.conftest import USER


async def published(db, clock, bus) -> list[Event]:
    got: list[Event] = []
    async with bus.subscribe("user:*") as sub:
        sent = await OutboxRelay(db, bus, [OUTBOX], clock).drain()
        for _ in range(sent):
            got.append(Event.FromString((await asyncio.wait_for(sub.__anext__(), 30)).data))
    return got


async def test_fills_and_closes_publish_trade_executed_and_position_closed(db, broker, prices, clock) -> None:
    bus = InProcessBus()
    await broker.place_order(USER, OrderRequest("EURUSD", "buy", D(10000)))
    prices.tick("EURUSD", "1.1050", "1.1051")
    [position] = (await broker.positions(USER)).items
    await broker.close_position(USER, position.position_id)
    events = await published(db, clock, bus)
    assert [(e.type, e.channel) for e in events] == [
        ("trade_executed", f"user:{USER}:trades"),
        ("trade_executed", f"user:{USER}:trades"),
        ("position_closed", f"user:{USER}:positions"),
    ]
    closed = events[2].position_closed
    assert (closed.pnl.minor_units, closed.pnl.currency, closed.exit_price) == (4900, "USD", "1.105")
    assert events[0].trade_executed.price == "1.1001"


async def test_refused_orders_publish_nothing(db, broker, prices, clock) -> None:
    bus = InProcessBus()
    with pytest.raises(FailedPrecondition):
        await broker.place_order(USER, OrderRequest("EURUSD", "buy", D(1_000_000)))
    assert await published(db, clock, bus) == []


async def test_fifty_concurrent_orders_never_take_free_margin_below_zero(db, make_broker, prices) -> None:
    brokers = [make_broker() for _ in range(5)]  # several processes on one database

    async def place(i: int) -> str:
        try:
            order = await brokers[i % 5].place_order(USER, OrderRequest("BTCUSD", "buy", D("0.02")))
            return order.status
        except FailedPrecondition as refused:
            return refused.reason

    outcomes = await asyncio.gather(*(place(i) for i in range(50)))
    account = await brokers[0].account_state(USER)
    assert account.free_margin_minor >= 0
    filled = outcomes.count("filled")
    assert filled + outcomes.count("INSUFFICIENT_MARGIN") == 50
    # 0.02 BTC at 50010 with 2x leverage holds 500.10 USD, and costs 0.20 of spread: 19 fit in 10,000.
    assert filled == 19
    [position] = (await brokers[0].positions(USER)).items
    assert position.quantity == D("0.02") * filled
