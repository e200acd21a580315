"""The stop-out sweep closes set-wise (`enforce_stop_out`: one transaction, one statement per
table); stopping out the same accounts one by one through the general path (`stop_out_account`,
the ORM's close at market) must book exactly the same: trades, positions, balances, ledger
entries and outbox events, row for row, negative-balance write-offs included."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from core.clock import TestClock
from svc_broker.broker import OrderRequest
from svc_broker.config import BrokerSettings
from svc_broker.market import QuoteBook, StaticSymbolCatalog
from svc_broker.models import Base
from svc_broker.venues.paper import PaperBroker
from tests.broker.conftest import SYMBOLS, ScriptedPrices
from tests.broker.test_bulk_close import snapshot

# (user, symbol, side, amount): every account opens at the first prices
OPENED = [
    ("u1", "BTCUSD", "buy", "0.39"),  # gaps far below its margin: a loss beyond the balance
    ("u2", "BTCUSD", "buy", "0.25"),  # the worst of two: closing it lifts the level back over 50 %
    ("u2", "EURUSD", "buy", "100000"),
    ("u3", "USDJPY", "sell", "100000"),  # PnL in yen, converted; the worst, then the BTC as well
    ("u3", "BTCUSD", "buy", "0.2"),
    ("u4", "EURUSD", "buy", "1000"),  # healthy: left alone
    ("u5", "BTCUSD", "buy", "0.35"),  # partly closed first: an unrounded realized PnL
]
ACCOUNTS = 5


async def run_world(make_database: Any, set_wise: bool) -> dict[str, Any]:
    clock = TestClock()
    prices = ScriptedPrices(QuoteBook(), clock)
    prices.tick("EURUSD", "1.10000", "1.10010")
    prices.tick("USDJPY", "150.00", "150.02")
    prices.tick("BTCUSD", "50000", "50010")
    db = await make_database(Base.metadata)
    settings = BrokerSettings(leverage={"fx": 30, "crypto": 2}, slippage_pips=D(1))
    broker = PaperBroker(db, prices.book, StaticSymbolCatalog(SYMBOLS), clock, settings)
    for user, symbol, side, amount in OPENED:
        await broker.place_order(user, OrderRequest(symbol, side, D(amount)))
    prices.tick("BTCUSD", "50123.45", "50133.45")
    await broker.place_order("u5", OrderRequest("BTCUSD", "sell", D("0.017")))
    prices.tick("USDJPY", "160.00", "160.02")
    prices.tick("BTCUSD", "20000", "20010")
    if set_wise:
        closed = await broker.enforce_stop_out()
    else:
        closed = 0
        for account_id in range(1, ACCOUNTS + 1):
            closed += await broker.stop_out_account(account_id)
    seen = {"closed": closed, **await snapshot(db)}
    async with db.engine.begin() as conn:  # the next world starts empty (SQLite's file is kept)
        await conn.run_sync(Base.metadata.drop_all)
    return seen


async def test_a_stop_out_swept_set_wise_books_what_stopping_out_one_by_one_books(make_database) -> None:
    one_by_one = await run_world(make_database, set_wise=False)
    set_wise = await run_world(make_database, set_wise=True)

    for part in ("closed", "trades", "positions", "accounts", "ledger", "events", "books"):
        assert set_wise[part] == one_by_one[part], part
    # the world is the one the test means: five stop-outs, two of them written off, none of the
    # healthy account's, every balance >= 0 and the books summing to zero
    assert set_wise["closed"] == 5
    stop_outs = [t for t in set_wise["trades"] if t[9] == "stop_out"]
    assert sorted((t[1], t[4]) for t in stop_outs) == [
        (1, "BTCUSD"), (2, "BTCUSD"), (3, "BTCUSD"), (3, "USDJPY"), (5, "BTCUSD"),
    ]  # fmt: skip
    assert [t[4] for t in stop_outs if t[1] == 3] == ["USDJPY", "BTCUSD"]  # the worst first
    assert sorted(t[1] for t in stop_outs if t[-1] > 0) == [1, 3]  # written off
    totals, by_ledger, balances = set_wise["books"]
    assert by_ledger == balances
    assert min(balances.values()) >= 0
    assert sum(totals.values()) == 0
    types = [e[2]["type"] for e in set_wise["events"]]
    assert types.count("position_closed") == 5
