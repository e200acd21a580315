"""Orders through the paper broker: each type, each rejection, fills at bid/ask, retries."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from core.errors import FailedPrecondition, InvalidArgument, Unavailable
from svc_broker.broker import OrderRequest
from tests.broker.conftest import USER


def buy(amount: str = "10000", **kw: object) -> OrderRequest:
    return OrderRequest("EURUSD", "buy", D(amount), **kw)  # type: ignore[arg-type]


def sell(amount: str = "10000", **kw: object) -> OrderRequest:
    return OrderRequest("EURUSD", "sell", D(amount), **kw)  # type: ignore[arg-type]


async def test_market_buy_fills_at_the_ask_and_market_sell_at_the_bid(broker, prices) -> None:
    bought = await broker.place_order(USER, buy())
    sold = await broker.place_order("user-2", sell())
    assert (bought.status, bought.fill_price) == ("filled", D("1.10010"))
    assert (sold.status, sold.fill_price) == ("filled", D("1.10000"))


async def test_a_new_position_starts_down_by_the_spread(broker, prices) -> None:
    await broker.place_order(USER, buy("100000"))
    [position] = (await broker.positions(USER)).items
    assert position.current_price == D("1.10000")
    assert position.unrealized_pnl_minor == -1000  # 1 pip of 100,000 EUR is 10.00 USD


async def test_session_spread_floor_widens_a_narrow_quote(make_broker, prices) -> None:
    broker = make_broker(session_spread_factor={"london": D("1"), "new_york": D("2")})
    prices.tick("EURUSD", "1.10000", "1.10000")  # zero spread, 12:00 UTC is london
    spec_floor = broker.spec("EURUSD").min_spread
    order = await broker.place_order(USER, buy())
    assert order.fill_price == D("1.10000") + spec_floor / 2


async def test_slippage_moves_market_fills_against_the_trader(make_broker, prices) -> None:
    broker = make_broker(slippage_pips=D("0.5"))
    order = await broker.place_order(USER, buy())
    assert order.fill_price == D("1.10015")


async def test_lots_are_converted_with_the_contract_size(broker, prices) -> None:
    order = await broker.place_order(USER, OrderRequest("EURUSD", "buy", D("0.25"), unit="lots"))
    assert order.quantity == 25_000
    assert order.lots == D("0.25")


async def test_limit_order_waits_then_fills_when_the_ask_falls_to_it(broker, prices, monitor) -> None:
    order = await broker.place_order(USER, buy(type="limit", limit_price=D("1.09500")))
    assert order.status == "pending"
    assert await monitor.on_tick(prices.tick("EURUSD", "1.09600", "1.09610")) == 0
    assert await monitor.on_tick(prices.tick("EURUSD", "1.09480", "1.09490")) == 1
    filled = await broker.get_order(USER, order.order_id)
    assert (filled.status, filled.fill_price) == ("filled", D("1.09490"))  # the ask, better than the limit


async def test_marketable_limit_fills_at_once_at_the_better_price(broker, prices) -> None:
    order = await broker.place_order(USER, sell(type="limit", limit_price=D("1.09000")))
    assert (order.status, order.fill_price) == ("filled", D("1.10000"))


async def test_stop_that_gaps_fills_at_the_first_available_price(broker, prices, monitor) -> None:
    order = await broker.place_order(USER, sell(type="stop", stop_price=D("1.09500")))
    assert order.status == "pending"
    await monitor.on_tick(prices.tick("EURUSD", "1.09000", "1.09010"))  # gapped through 1.095
    filled = await broker.get_order(USER, order.order_id)
    assert (filled.status, filled.fill_price) == ("filled", D("1.09000"))


async def test_buy_stop_below_the_ask_is_refused(broker, prices) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await broker.place_order(USER, buy(type="stop", stop_price=D("1.09")))
    assert refused.value.reason == "INVALID_STOP_PRICE"


async def test_ioc_limit_that_cannot_fill_is_cancelled(broker, prices) -> None:
    order = await broker.place_order(USER, buy(type="limit", limit_price=D("1.05"), time_in_force="ioc"))
    assert order.status == "cancelled"
    assert (await broker.positions(USER)).items == []


async def test_day_order_expires_at_the_rollover(broker, prices, monitor, clock) -> None:
    order = await broker.place_order(USER, buy(type="limit", limit_price=D("1.05"), time_in_force="day"))
    assert order.expires_at == datetime(2025, 1, 6, 22, 0, tzinfo=UTC)
    await monitor.sweep()
    assert (await broker.get_order(USER, order.order_id)).status == "pending"
    clock.advance(10 * 3600)
    await monitor.sweep()
    assert (await broker.get_order(USER, order.order_id)).status == "expired"


async def test_cancelled_order_never_fills(broker, prices, monitor) -> None:
    order = await broker.place_order(USER, buy(type="limit", limit_price=D("1.095")))
    assert (await broker.cancel_order(USER, order.order_id)).status == "cancelled"
    assert await monitor.on_tick(prices.tick("EURUSD", "1.0900", "1.0901")) == 0
    with pytest.raises(FailedPrecondition) as again:
        await broker.cancel_order(USER, order.order_id)
    assert again.value.reason == "ORDER_NOT_PENDING"


async def test_modified_limit_fills_at_its_new_level(broker, prices, monitor) -> None:
    order = await broker.place_order(USER, buy(type="limit", limit_price=D("1.09")))
    await broker.modify_order(USER, order.order_id, limit_price=D("1.0995"))
    await monitor.on_tick(prices.tick("EURUSD", "1.0993", "1.0994"))
    assert (await broker.get_order(USER, order.order_id)).status == "filled"


async def test_duplicated_client_order_id_places_one_order(broker, prices) -> None:
    first = await broker.place_order(USER, buy(client_order_id="abc-1"))
    second = await broker.place_order(USER, buy(client_order_id="abc-1"))
    assert first.order_id == second.order_id
    assert len((await broker.list_orders(USER)).items) == 1
    [position] = (await broker.positions(USER)).items
    assert position.quantity == 10_000


@pytest.mark.parametrize(
    ("request_", "error", "reason"),
    [
        (OrderRequest("NOPE", "buy", D(1000)), InvalidArgument, "UNKNOWN_SYMBOL"),
        (buy("10"), InvalidArgument, "AMOUNT_OUT_OF_RANGE"),
        (buy("2000000"), InvalidArgument, "AMOUNT_OUT_OF_RANGE"),
        (buy("1000.5"), InvalidArgument, "AMOUNT_OUT_OF_RANGE"),
        (buy(stop_loss=D("1.2")), InvalidArgument, "INVALID_STOP_LOSS"),
        (buy(take_profit=D("1.05")), InvalidArgument, "INVALID_TAKE_PROFIT"),
        (sell(stop_loss=D("1.05")), InvalidArgument, "INVALID_STOP_LOSS"),
        (sell(take_profit=D("1.2")), InvalidArgument, "INVALID_TAKE_PROFIT"),
        (buy(type="limit"), InvalidArgument, "MISSING_LIMIT_PRICE"),
        (buy(type="stop"), InvalidArgument, "MISSING_STOP_PRICE"),
        (buy("1000000"), FailedPrecondition, "INSUFFICIENT_MARGIN"),
    ],
)
async def test_rejected_orders_change_nothing(broker, prices, request_, error, reason) -> None:
    with pytest.raises(error) as refused:
        await broker.place_order(USER, request_)
    assert refused.value.reason == reason
    account = await broker.account_state(USER)
    assert account.balance_minor == 1_000_000
    assert account.margin_minor == 0
    assert (await broker.list_orders(USER)).items == []


async def test_fx_orders_are_refused_on_the_weekend_but_crypto_trades(broker, prices, clock) -> None:
    clock.set(datetime(2025, 1, 11, 12, 0, tzinfo=UTC))  # Saturday
    prices.tick("EURUSD", "1.1", "1.1001")
    prices.tick("BTCUSD", "50000", "50010")
    with pytest.raises(FailedPrecondition) as refused:
        await broker.place_order(USER, buy())
    assert refused.value.reason == "MARKET_CLOSED"
    order = await broker.place_order(USER, OrderRequest("BTCUSD", "buy", D("0.01")))
    assert order.status == "filled"


async def test_no_recent_price_refuses_the_order(broker, prices, clock) -> None:
    clock.advance(3600)
    with pytest.raises(Unavailable) as refused:
        await broker.place_order(USER, buy())
    assert refused.value.reason == "NO_PRICE"


async def test_pending_order_without_margin_at_trigger_is_rejected(broker, prices, monitor) -> None:
    order = await broker.place_order(USER, buy("200000", type="limit", limit_price=D("1.0990")))
    await broker.place_order(USER, OrderRequest("BTCUSD", "buy", D("0.15")))  # leaves too little margin
    await monitor.on_tick(prices.tick("EURUSD", "1.0980", "1.0981"))
    rejected = await broker.get_order(USER, order.order_id)
    assert (rejected.status, rejected.reject_reason) == ("rejected", "INSUFFICIENT_MARGIN")
    assert [p.symbol for p in (await broker.positions(USER)).items] == ["BTCUSD"]


async def test_order_history_pages_newest_first_without_repeats(broker, prices) -> None:
    ids = [(await broker.place_order(USER, buy("1000"))).order_id for _ in range(5)]
    first = await broker.list_orders(USER, page_size=2)
    second = await broker.list_orders(USER, page_size=2, page_token=first.next_token)
    third = await broker.list_orders(USER, page_size=2, page_token=second.next_token)
    seen = [o.order_id for page in (first, second, third) for o in page.items]
    assert seen == list(reversed(ids))
    assert third.next_token == ""
    trades = await broker.execution_reports(USER, page_size=10)
    assert len(trades.items) == 5
    assert trades.next_token == ""
