"""Money is never created or lost by how an action is split, valued or ordered: partial closes
book what one close books, stale and unpriced positions count, the monitor never loses a trigger
to a resync, one bad account does not stop the sweep, and no order path skips its checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal as D

import pytest

from core.errors import FailedPrecondition, InvalidArgument, Unavailable
from svc_broker.broker import OrderRequest
from svc_broker.market import QuoteBook, StaticSymbolCatalog
from svc_broker.venues.paper import PaperBroker, Watch
from svc_broker.venues.paper.monitor import PriceMonitor
from tests.broker.conftest import SYMBOLS, USER

OTHER = "user-2"


async def open_long(broker: PaperBroker, user: str, amount: str, symbol: str = "EURUSD") -> str:
    await broker.place_order(user, OrderRequest(symbol, "buy", D(amount)))
    [position] = [p for p in (await broker.positions(user)).items if p.symbol == symbol]
    return position.position_id


# ---- partial closes


async def test_partial_closes_book_exactly_what_one_close_books(broker, prices) -> None:
    for user in (USER, OTHER):
        await open_long(broker, user, "100000")  # at 1.10010
    prices.tick("EURUSD", "1.09910", "1.09920")  # each unit closes 0.001 USD down
    [sliced] = (await broker.positions(USER)).items
    for _ in range(49):  # 49 closes of 1001 units: -1.001 USD each, -49.049 in all
        await broker.close_position(USER, sliced.position_id, D(1001))
    [whole] = (await broker.positions(OTHER)).items
    await broker.close_position(OTHER, whole.position_id, D(49049))

    sliced_account, whole_account = await broker.account_state(USER), await broker.account_state(OTHER)
    assert whole_account.balance_minor == 1_000_000 - 4905
    assert sliced_account.balance_minor == whole_account.balance_minor
    booked = [t.realized_pnl_minor for t in (await broker.execution_reports(USER, page_size=100)).items]
    assert sum(booked) == -4905
    [still_open] = (await broker.positions(USER)).items
    assert (still_open.quantity, still_open.realized_pnl_minor) == (50951, -4905)


async def test_a_full_close_after_slices_books_the_rounded_total(broker, prices) -> None:
    position_id = await open_long(broker, USER, "3000")  # at 1.10010
    prices.tick("EURUSD", "1.100205", "1.100305")  # +0.000105 a unit
    await broker.close_position(USER, position_id, D(1000))  # +0.105: 0.10 booked
    await broker.close_position(USER, position_id, D(1000))  # +0.210 in all: 0.11 more
    await broker.close_position(USER, position_id)  # +0.315 in all: 0.11 more, 0.32 as one close
    [closed] = (await broker.positions(USER, status="closed")).items
    assert closed.realized_pnl_minor == 32
    assert (await broker.account_state(USER)).balance_minor == 1_000_032


@pytest.mark.parametrize(
    ("symbol", "amount", "close"),
    [
        ("EURUSD", "100000", "4"),  # below the minimum
        ("EURUSD", "100000", "1000.5"),  # off the unit step
        ("EURUSD", "100000", "99500"),  # leaves 500 open, below the minimum
        ("BTCUSD", "0.1", "0.0005"),  # below the minimum and off the step
        ("BTCUSD", "0.1", "0.0995"),  # leaves dust
    ],
)
async def test_dust_closes_are_refused(broker, prices, symbol: str, amount: str, close: str) -> None:
    position_id = await open_long(broker, USER, amount, symbol)
    with pytest.raises(InvalidArgument) as refused:
        await broker.close_position(USER, position_id, D(close))
    assert refused.value.reason == "CLOSE_QUANTITY_OUT_OF_RANGE"
    [position] = (await broker.positions(USER)).items
    assert position.quantity == D(amount)
    assert (await broker.execution_reports(USER)).items[0].reason == "order"


async def test_closing_everything_that_is_open_is_always_allowed(broker, prices) -> None:
    position_id = await open_long(broker, USER, "1500")
    await broker.close_position(USER, position_id, D(1500))
    assert (await broker.positions(USER)).items == []


# ---- the monitor's resync


class CommitsDuringTheRead(PaperBroker):
    """A real broker whose trigger read lets one scripted action commit just after it reads,
    the interleaving a resync meets when an order lands while it rebuilds."""

    during_read: Callable[[], Awaitable[object]] | None = None

    async def watches(self) -> list[Watch]:
        found = await super().watches()
        action, self.during_read = self.during_read, None
        if action is not None:
            await action()
        return found


@pytest.mark.parametrize("first_load", [True, False])
async def test_a_trigger_committed_during_a_resync_is_kept(
    db, prices, clock, settings, first_load: bool
) -> None:
    broker = CommitsDuringTheRead(db, prices.book, StaticSymbolCatalog(SYMBOLS), clock, settings)
    monitor = PriceMonitor(broker, settings)
    if not first_load:
        await monitor.load()
    broker.during_read = lambda: broker.place_order(
        USER, OrderRequest("EURUSD", "buy", D(10000), stop_loss=D("1.09500"))
    )
    await monitor.load()
    assert len(monitor.index) == 1
    assert await monitor.on_tick(prices.tick("EURUSD", "1.09400", "1.09410")) == 1
    assert (await broker.positions(USER)).items == []


# ---- valuation without a fresh price


async def test_a_stale_position_is_valued_at_its_last_price_for_margin(broker, prices, clock) -> None:
    await open_long(broker, USER, "100000")  # at 1.10010, margin 3667.00
    prices.tick("EURUSD", "1.06010", "1.06020")  # -4000.00 open
    clock.advance(3600)  # the EURUSD feed goes quiet
    prices.tick("BTCUSD", "50000", "50010")
    account = await broker.account_state(USER)
    assert account.equity_minor == 600_000
    with pytest.raises(FailedPrecondition) as refused:  # 5001.00 more margin; 2333.00 free
        await broker.place_order(USER, OrderRequest("BTCUSD", "buy", D("0.2")))
    assert refused.value.reason == "INSUFFICIENT_MARGIN"
    assert [p.symbol for p in (await broker.positions(USER)).items] == ["EURUSD"]


async def test_margin_adding_orders_wait_for_a_price_of_every_open_position(
    db, broker, prices, clock, settings
) -> None:
    await open_long(broker, USER, "10000")
    restarted_book = QuoteBook()  # a restart: EURUSD has had no price since
    restarted = PaperBroker(db, restarted_book, StaticSymbolCatalog(SYMBOLS), clock, settings)
    restarted_book.update(prices.tick("BTCUSD", "50000", "50010"))
    with pytest.raises(Unavailable) as refused:
        await restarted.place_order(USER, OrderRequest("BTCUSD", "buy", D("0.01")))
    assert refused.value.reason == "NO_PRICE"
    with pytest.raises(Unavailable):
        await restarted.place_order(
            USER, OrderRequest("BTCUSD", "buy", D("0.01"), type="limit", limit_price=D("40000"))
        )
    assert len((await restarted.execution_reports(USER)).items) == 1


# ---- sweeps


async def test_one_account_with_an_unknown_symbol_does_not_stop_the_stop_out(
    db, broker, prices, clock, settings
) -> None:
    await open_long(broker, OTHER, "1000")  # its EURUSD later leaves the catalogue
    await open_long(broker, USER, "0.35", "BTCUSD")  # margin 8751.75
    prices.tick("BTCUSD", "33000", "33010")  # margin level 46 %: stop out
    shrunk = PaperBroker(
        db, prices.book, StaticSymbolCatalog([s for s in SYMBOLS if s.symbol != "EURUSD"]), clock, settings
    )
    assert await shrunk.enforce_stop_out() == 1
    assert (await broker.positions(USER)).items == []
    assert len((await broker.positions(OTHER)).items) == 1


# ---- order paths


async def test_a_retry_is_answered_with_the_stored_order_whatever_it_says(broker, prices) -> None:
    first = await broker.place_order(USER, OrderRequest("EURUSD", "buy", D(10000), client_order_id="c-1"))
    # the retry names another symbol, with an amount out of that symbol's range
    retry = await broker.place_order(USER, OrderRequest("BTCUSD", "buy", D(10000), client_order_id="c-1"))
    assert retry == first
    assert (retry.symbol, retry.lots) == ("EURUSD", D("0.1"))
    retry = await broker.place_order(USER, OrderRequest("BTCUSD", "buy", D(1), client_order_id="c-1"))
    assert (retry.order_id, retry.lots) == (first.order_id, D("0.1"))
    assert len((await broker.execution_reports(USER)).items) == 1


async def test_moving_a_pending_order_repeats_the_margin_check(broker, prices) -> None:
    order = await broker.place_order(  # 0.3 * 60000 / 2 = 9000.00 of 10,000.00
        USER, OrderRequest("BTCUSD", "sell", D("0.3"), type="limit", limit_price=D("60000"))
    )
    with pytest.raises(FailedPrecondition) as refused:  # 0.3 * 70000 / 2 = 10,500.00
        await broker.modify_order(USER, order.order_id, limit_price=D("70000"))
    assert refused.value.reason == "INSUFFICIENT_MARGIN"
    assert (await broker.get_order(USER, order.order_id)).limit_price == D("60000")
    moved = await broker.modify_order(USER, order.order_id, limit_price=D("65000"))
    assert moved.limit_price == D("65000")


async def test_a_gapped_stop_past_its_own_take_profit_is_rejected(broker, prices, monitor) -> None:
    order = await broker.place_order(
        USER,
        OrderRequest(
            "EURUSD", "buy", D(10000), type="stop", stop_price=D("1.10500"), take_profit=D("1.10800")
        ),
    )
    assert await monitor.on_tick(prices.tick("EURUSD", "1.10900", "1.10910")) == 1  # gaps past the TP
    rejected = await broker.get_order(USER, order.order_id)
    assert (rejected.status, rejected.reject_reason) == ("rejected", "INVALID_TAKE_PROFIT")
    assert (await broker.positions(USER)).items == []
    assert (await broker.account_state(USER)).balance_minor == 1_000_000
    assert len(monitor.index) == 0
