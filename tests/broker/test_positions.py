"""Netting, PnL and margin: scripted sequences checked against hand computations."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from core.errors import FailedPrecondition
from svc_broker.broker import OrderRequest
from tests.broker.conftest import USER


async def trade(broker, side: str, amount: str, symbol: str = "EURUSD"):
    return await broker.place_order(USER, OrderRequest(symbol, side, D(amount)))


async def test_scripted_sequence_books_the_hand_computed_pnl(broker, prices) -> None:
    await trade(broker, "buy", "10000")  # at 1.10010
    prices.tick("EURUSD", "1.10200", "1.10210")
    await trade(broker, "buy", "20000")  # at 1.10210: cost 11001 + 22042 = 33043 for 30000
    [position] = (await broker.positions(USER)).items
    assert position.entry_price == D("1.1014333333")
    prices.tick("EURUSD", "1.10500", "1.10510")
    await trade(broker, "sell", "15000")  # 16575 - 33043/2 = +53.50
    prices.tick("EURUSD", "1.10300", "1.10310")
    await trade(broker, "sell", "25000")  # closes 15000: 16545 - 16521.5 = +23.50, opens 10000 short at 1.103
    [short] = (await broker.positions(USER)).items
    assert (short.side, short.quantity, short.entry_price) == ("short", 10_000, D("1.10300"))
    prices.tick("EURUSD", "1.10000", "1.10010")
    await trade(broker, "buy", "10000")  # (1.10300 - 1.10010) * 10000 = +29.00
    account = await broker.account_state(USER)
    assert account.balance_minor == 1_000_000 + 5350 + 2350 + 2900
    assert account.equity_minor == account.balance_minor
    assert account.margin_minor == 0
    closed = (await broker.positions(USER, status="closed")).items
    assert [p.realized_pnl_minor for p in closed] == [2900, 7700]


async def test_pnl_of_a_non_usd_quote_is_converted_at_the_current_rate(broker, prices) -> None:
    await trade(broker, "buy", "10000", "USDJPY")  # at 150.02
    prices.tick("USDJPY", "151.00", "151.02")
    await trade(broker, "sell", "10000", "USDJPY")  # +9800 JPY at 151.01 = 64.8963 USD
    assert (await broker.account_state(USER)).balance_minor == 1_000_000 + 6490


async def test_margin_uses_the_asset_class_leverage(broker, prices) -> None:
    await trade(broker, "buy", "30000")  # 30000 * 1.1001 / 30 = 1100.10 USD
    await trade(broker, "buy", "0.1", "BTCUSD")  # 0.1 * 50010 / 2 = 2500.50 USD
    account = await broker.account_state(USER)
    assert account.margin_minor == 110010 + 250050
    assert account.free_margin_minor == account.equity_minor - account.margin_minor


async def test_reducing_a_position_needs_no_free_margin(broker, prices) -> None:
    await trade(broker, "buy", "0.35", "BTCUSD")  # margin 8751.75 of 10,000
    prices.tick("BTCUSD", "47000", "47010")  # equity 8948, free margin below the margin of any new trade
    with pytest.raises(FailedPrecondition):
        await trade(broker, "buy", "0.01", "BTCUSD")
    order = await trade(broker, "sell", "0.1", "BTCUSD")
    assert order.status == "filled"


async def test_reset_restores_the_initial_balance_and_clears_everything(broker, prices) -> None:
    await trade(broker, "buy", "10000")
    prices.tick("EURUSD", "1.2", "1.2001")
    await trade(broker, "sell", "10000")
    account = await broker.reset_account(USER)
    assert account.balance_minor == 1_000_000
    assert account.reset_at is not None
    assert (await broker.positions(USER, status="closed")).items == []
    assert (await broker.execution_reports(USER)).items == []
