"""What only the paper simulator does with orders: session spreads, slippage, trading hours,
stale prices, DAY expiry, size steps. What every broker does is in test_contract.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from core.errors import FailedPrecondition, InvalidArgument, Unavailable
from svc_broker.broker import OrderRequest
from svc_broker.market import StaticSymbolCatalog
from svc_broker.venues.paper import PaperBroker
from tests.broker.conftest import SYMBOLS, USER


def buy(amount: str = "10000", **kw: object) -> OrderRequest:
    return OrderRequest("EURUSD", "buy", D(amount), **kw)  # type: ignore[arg-type]


SPREAD_MODEL = {"london": D("0.00008"), "new_york": D("0.00016")}  # test values, keyed as market's


@pytest.mark.parametrize(("hour", "half"), [(12, D("0.00004")), (15, D("0.00008"))], ids=["london", "ny"])
async def test_a_narrow_quote_is_widened_to_the_spread_model(db, prices, clock, settings, hour, half) -> None:
    clock.set(datetime(2025, 1, 6, hour, tzinfo=UTC))
    eurusd = replace(SYMBOLS[0], spreads=SPREAD_MODEL)
    broker = PaperBroker(db, prices.book, StaticSymbolCatalog([eurusd]), clock, settings)
    prices.tick("EURUSD", "1.10000", "1.10000")  # zero spread
    order = await broker.place_order(USER, buy())
    assert order.fill_price == D("1.10000") + half


async def test_slippage_moves_market_fills_against_the_trader(make_broker, prices) -> None:
    broker = make_broker(slippage_pips=D("0.5"))
    order = await broker.place_order(USER, buy())
    assert order.fill_price == D("1.10015")


async def test_day_order_expires_at_the_rollover(broker, prices, monitor, clock) -> None:
    order = await broker.place_order(USER, buy(type="limit", limit_price=D("1.05"), time_in_force="day"))
    assert order.expires_at == datetime(2025, 1, 6, 22, 0, tzinfo=UTC)
    await monitor.sweep()
    assert (await broker.get_order(USER, order.order_id)).status == "pending"
    clock.advance(10 * 3600)
    await monitor.sweep()
    assert (await broker.get_order(USER, order.order_id)).status == "expired"


@pytest.mark.parametrize("amount", ["2000000", "1000.5"], ids=["above the maximum", "off the step"])
async def test_amounts_outside_the_symbols_limits_are_refused(broker, prices, amount) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await broker.place_order(USER, buy(amount))
    assert refused.value.reason == "AMOUNT_OUT_OF_RANGE"
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
