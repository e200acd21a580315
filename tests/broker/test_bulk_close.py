"""A tick's SL/TP closes are booked set-wise (`fire_position_triggers`); closing the same
positions one by one through the general path (`fire_position_trigger`) must book exactly the
same: trades, positions, balances, ledger entries and outbox events, row for row. The two runs
start from the same scripted world on a fresh schema each, on the same database."""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal as D
from typing import Any

from google.protobuf.json_format import MessageToDict
from sqlalchemy import select, text
from trading.events.v1.events_envelope_pb2 import Event

from core.bus import InProcessBus
from core.clock import TestClock
from core.outbox import OutboxRelay
from svc_broker.broker import OrderRequest
from svc_broker.config import BrokerSettings
from svc_broker.market import QuoteBook, StaticSymbolCatalog
from svc_broker.models import OUTBOX, Base, LedgerEntry, PaperAccount, PaperPosition, PaperTrade
from svc_broker.venues.paper import PaperBroker
from tests.broker.conftest import SYMBOLS, USER, ScriptedPrices
from tests.broker.test_cash_ledger import ledger_state

# (user, symbol, side, amount, stop loss, take profit)
OPENED = [
    ("u1", "BTCUSD", "buy", "0.39", "45000", None),  # gaps through its stop: beyond the balance
    ("u1", "EURUSD", "buy", "1000", None, "1.1050"),  # then takes a profit on a zero balance
    ("u2", "BTCUSD", "buy", "0.01", "49000", "60000"),
    ("u2", "EURUSD", "sell", "5000", "1.1100", None),  # touched by no tick: left open
    ("u3", "BTCUSD", "sell", "0.02", None, "30000"),  # a short's take profit at the ask
    ("u4", "BTCUSD", "buy", "0.05", "49500", None),  # partly closed first: an unrounded PnL
    ("u5", "EURUSD", "buy", "12345", None, "1.1050"),
    ("u6", "USDJPY", "sell", "10000", "151.00", None),  # PnL in yen, converted
]
TICKS = [("BTCUSD", "20000", "20010"), ("EURUSD", "1.10600", "1.10610"), ("USDJPY", "151.50", "151.52")]


async def run_world(make_database: Any, bulk: bool) -> dict[str, Any]:
    clock = TestClock()
    prices = ScriptedPrices(QuoteBook(), clock)
    prices.tick("EURUSD", "1.10000", "1.10010")
    prices.tick("USDJPY", "150.00", "150.02")
    prices.tick("BTCUSD", "50000", "50010")
    db = await make_database(Base.metadata)
    settings = BrokerSettings(leverage={"fx": 30, "crypto": 2}, slippage_pips=D(1))
    broker = PaperBroker(db, prices.book, StaticSymbolCatalog(SYMBOLS), clock, settings)
    for user, symbol, side, amount, sl, tp in OPENED:
        request = OrderRequest(
            symbol, side, D(amount), stop_loss=D(sl) if sl else None, take_profit=D(tp) if tp else None
        )
        await broker.place_order(user, request)
    prices.tick("BTCUSD", "50123.45", "50133.45")
    await broker.place_order("u4", OrderRequest("BTCUSD", "sell", D("0.017")))
    closed: list[int] = []
    for symbol, bid, ask in TICKS:
        quote = broker.effective_quote(prices.tick(symbol, bid, ask))
        touched = await touched_by(db, symbol)
        if bulk:
            closed += await broker.fire_position_triggers(touched, quote)
        else:
            for position_id, what in touched:
                if await broker.fire_position_trigger(position_id, what, quote):
                    closed.append(position_id)
    seen = {"closed": closed, **await snapshot(db)}
    async with db.engine.begin() as conn:  # the next world starts empty (SQLite's file is kept)
        await conn.run_sync(Base.metadata.drop_all)
    return seen


async def touched_by(db: Any, symbol: str) -> list[tuple[int, str]]:
    """Every open position of the symbol with its stop loss (or its take profit), touched or not:
    the bulk path must leave alone what no longer applies, as the single one does."""
    async with db.session() as s:
        query = select(PaperPosition).where(PaperPosition.symbol == symbol, PaperPosition.status == "open")
        rows = (await s.execute(query.order_by(PaperPosition.id))).scalars()
        return [(p.id, "stop_loss" if p.stop_loss is not None else "take_profit") for p in rows]


async def snapshot(db: Any) -> dict[str, Any]:
    async with db.session() as s:
        tables: dict[str, Any] = {
            # as stored, not as the column types read it back: on SQLite the text itself
            name: [tuple(r) for r in (await s.execute(text(f"SELECT * FROM {table.fullname} ORDER BY id")))]
            for name, table in (
                ("trades", PaperTrade.__table__),
                ("positions", PaperPosition.__table__),
                ("accounts", PaperAccount.__table__),
            )
        }
        entries = list(await s.execute(text(f"SELECT * FROM {LedgerEntry.__table__.fullname} ORDER BY id")))
        outbox = list(await s.execute(text(f"SELECT * FROM {OUTBOX.fullname} ORDER BY id")))
    journals: dict[str, int] = {}  # a journal's random name, as the order it first appears in
    tables["ledger"] = [
        (e.id, journals.setdefault(e.journal, len(journals)), e.book, e.account_id, e.amount_minor,
         e.currency, e.kind, e.trade_id, e.created_at)
        for e in entries
    ]  # fmt: skip
    tables["events"] = [(e.id, e.channel, _without_id(e.payload), e.durable, e.created_at) for e in outbox]
    tables["books"] = await ledger_state(db)
    return tables


def _without_id(payload: bytes) -> dict[str, Any]:
    event = Event.FromString(payload)
    event.ClearField("id")
    return MessageToDict(event)


async def test_a_tick_closed_in_bulk_books_what_closing_one_by_one_books(make_database) -> None:
    one_by_one = await run_world(make_database, bulk=False)
    bulk = await run_world(make_database, bulk=True)

    for part in ("closed", "trades", "positions", "accounts", "ledger", "events", "books"):
        assert bulk[part] == one_by_one[part], part
    # the world is the one the test means: seven closes, one write-off, every balance >= 0
    assert len(bulk["closed"]) == 7
    [gapped] = [t for t in bulk["trades"] if t[-1] > 0]  # written_off_minor > 0
    assert (gapped[4], gapped[9]) == ("BTCUSD", "stop_loss")
    totals, by_ledger, balances = bulk["books"]
    assert by_ledger == balances
    assert min(balances.values()) >= 0
    assert sum(totals.values()) == 0
    kinds = [e[6] for e in bulk["ledger"]]
    assert "write_off" in kinds
    types = [e[2]["type"] for e in bulk["events"]]
    assert types.count("position_closed") == 7


async def test_the_outbox_relay_wakes_when_a_bulk_close_commits(db, broker, prices, clock) -> None:
    # PostgreSQL's bulk close writes its events with COPY, past `outbox.stage`: the relay, which
    # would otherwise wait its whole poll interval, must still hear of the commit.
    await broker.place_order(USER, OrderRequest("BTCUSD", "buy", D("0.01"), stop_loss=D("49000")))
    [position] = (await broker.positions(USER)).items
    bus = InProcessBus()
    relay = OutboxRelay(db, bus, [OUTBOX], clock, poll_s=3600)
    await relay.drain()  # the fill's event out of the way
    async with bus.subscribe(f"user:{USER}:positions") as sub:
        running = asyncio.create_task(relay.run())
        try:
            quote = broker.effective_quote(prices.tick("BTCUSD", "48000", "48010"))
            closed = await broker.fire_position_triggers([(int(position.position_id), "stop_loss")], quote)
            heard = Event.FromString((await asyncio.wait_for(sub.__anext__(), 30)).data)
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    assert closed == [int(position.position_id)]
    assert (heard.type, heard.position_closed.position_id) == ("position_closed", position.position_id)
