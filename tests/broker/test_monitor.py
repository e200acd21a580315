"""The SL/TP monitor: closes once under a fast stream, survives restarts, stops out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal as D

from sqlalchemy import func, select

from svc_broker.broker import OrderRequest
from svc_broker.market import Quote
from svc_broker.models import OUTBOX
from svc_broker.venues.paper.ledger import books
from svc_broker.venues.paper.monitor import BULK_PUT, PriceMonitor, TriggerIndex
from svc_broker.venues.paper.triggers import Watch, position_triggers
from tests.broker.conftest import USER


async def outbox_rows(db, channel: str) -> int:
    async with db.session() as s:
        return (await s.execute(select(func.count()).where(OUTBOX.c.channel == channel))).scalar_one()


async def test_stop_loss_closes_once_under_a_fast_stream(db, broker, make_broker, prices, settings) -> None:
    await broker.place_order(USER, OrderRequest("EURUSD", "buy", D(10000), stop_loss=D("1.09500")))
    monitors = [PriceMonitor(broker, settings), PriceMonitor(make_broker(), settings)]  # two processes
    ticks = [
        prices.tick("EURUSD", str(D("1.0950") - D("0.0001") * i), str(D("1.0951") - D("0.0001") * i))
        for i in range(10)
    ]
    fired = await asyncio.gather(*(m.on_tick(t) for t in ticks for m in monitors))
    assert sum(fired) == 1
    closes = [t for t in (await broker.execution_reports(USER)).items if t.reason == "stop_loss"]
    assert len(closes) == 1
    assert await outbox_rows(db, f"user:{USER}:positions") == 1


async def test_a_restarted_monitor_picks_up_open_triggers(broker, make_broker, prices, settings) -> None:
    await broker.place_order(USER, OrderRequest("EURUSD", "buy", D(10000), take_profit=D("1.105")))
    await broker.place_order(
        "user-2", OrderRequest("EURUSD", "buy", D(10000), type="limit", limit_price=D("1.0990"))
    )
    restarted = PriceMonitor(make_broker(), settings)  # a new process: nothing in memory
    assert await restarted.on_tick(prices.tick("EURUSD", "1.0980", "1.0981")) == 1  # the limit order
    assert await restarted.on_tick(prices.tick("EURUSD", "1.1050", "1.1051")) == 1  # the take profit
    assert (await broker.positions(USER)).items == []
    assert len((await broker.positions("user-2")).items) == 1


async def test_changes_after_start_reach_the_monitor(broker, monitor, prices) -> None:
    await monitor.load()
    await broker.place_order(USER, OrderRequest("EURUSD", "buy", D(10000)))
    [position] = (await broker.positions(USER)).items
    await broker.modify_position(USER, position.position_id, stop_loss=D("1.0950"))
    assert len(monitor.index) == 1
    await broker.modify_position(USER, position.position_id, stop_loss=None)
    assert await monitor.on_tick(prices.tick("EURUSD", "1.0900", "1.0901")) == 0


async def test_stop_out_closes_the_worst_position_when_margin_level_falls(broker, monitor, prices) -> None:
    await broker.place_order(USER, OrderRequest("BTCUSD", "buy", D("0.35")))  # margin 8751.75
    await broker.place_order(USER, OrderRequest("EURUSD", "buy", D("1000")))
    await monitor.sweep()
    assert len((await broker.positions(USER)).items) == 2
    prices.tick("BTCUSD", "35000", "35010")  # equity ~4750: level ~54%
    await monitor.sweep()
    assert len((await broker.positions(USER)).items) == 2
    prices.tick("BTCUSD", "33000", "33010")  # equity ~4050: level ~46%, under 50
    await monitor.sweep()
    [left] = (await broker.positions(USER)).items
    assert left.symbol == "EURUSD"
    [stop_out] = [t for t in (await broker.execution_reports(USER)).items if t.reason == "stop_out"]
    assert stop_out.price == D("33000")
    assert (await broker.account_state(USER)).margin_call is False


async def test_one_tick_closes_every_position_it_touches_in_one_batch(db, broker, prices, monitor) -> None:
    users = [f"batch-{i}" for i in range(12)]
    for i, user in enumerate(users):  # stops from 1.0990 down to 1.0979, one pip apart
        stop = D("1.0990") - D("0.0001") * i
        await broker.place_order(user, OrderRequest("EURUSD", "buy", D(10000), stop_loss=stop))
    await monitor.load()
    [moved] = (await broker.positions(users[0])).items
    await broker.modify_position(users[0], moved.position_id, stop_loss=D("1.0900"))  # no longer touched

    assert await monitor.on_tick(prices.tick("EURUSD", "1.0979", "1.0980")) == 11
    for user in users[1:]:
        [close] = [t for t in (await broker.execution_reports(user)).items if t.reason == "stop_loss"]
        assert close.price == D("1.0979")
        assert (await broker.account_state(user)).balance_minor == 1_000_000 + close.realized_pnl_minor
    assert (await broker.positions(users[0])).items[0].status == "open"
    async with db.session() as s:
        totals = await books(s)
    assert totals["house:pnl"] != 0
    assert sum(totals.values()) == 0
    assert await outbox_rows(db, f"user:{users[5]}:positions") == 1


def test_many_watches_put_at_once_index_what_putting_them_one_by_one_indexes() -> None:
    # A tick's thousand closes (and a load) rebuild each book once instead of editing it per key;
    # the index must end as if each watch had been put in turn: the last of a key wins, a watch
    # without triggers removes its key.
    def watch(i: int, round_: int) -> Watch:
        side = "long" if i % 2 else "short"
        sl = D(100 + (i * 7 + round_) % 50) if side == "long" else D(200 - (i * 3 + round_) % 50)
        tp = D(200 + i % 40) if side == "long" else D(100 - i % 40)
        triggers = () if (i + round_) % 5 == 0 else tuple(position_triggers(side, sl, tp))
        return Watch(("position", i), "BTCUSD" if i % 3 else "EURUSD", triggers)

    first = [watch(i, 0) for i in range(300)]
    assert len(first) >= BULK_PUT
    later = [watch(i, r) for r in (1, 2) for i in range(0, 300, 2)] + [watch(i, 3) for i in range(400, 480)]
    one_by_one, at_once = TriggerIndex(), TriggerIndex()
    for w in first + later:
        one_by_one.put(w)
    at_once.put_all(first)
    at_once.put_all(later)

    assert len(at_once) == len(one_by_one) > 0
    for symbol in ("BTCUSD", "EURUSD"):
        for price in range(40, 260, 3):
            quote = Quote(symbol, D(price), D(price) + D("0.5"), datetime.now(UTC))
            assert at_once.touched(quote) == one_by_one.touched(quote), (symbol, price)
