"""The broker's market feed with the real market service: svc_market's servicer on a gRPC server
with demo bars, its PriceHub publishing `ticker:*` price updates on the in-process bus, and the
broker's production wiring (`load_symbols`, `follow_tickers`) filling a QuoteBook and a monitor.

Time is held still by the test and moved on purpose, so every streamed quote is known in advance:
svc_market's own QuoteBook, asked at the same instant, gives the same bid and ask.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import grpc
import pytest
from trading.events.v1.events_envelope_pb2 import Event
from trading.market.v1 import market_service_pb2_grpc

from core.bus import InProcessBus
from core.clock import TestClock
from core.db import Database
from core.errors import FailedPrecondition
from core.server import create_server
from svc_broker.broker import OrderRequest
from svc_broker.config import BrokerSettings
from svc_broker.market import QuoteBook, StaticSymbolCatalog
from svc_broker.market_feed import follow_tickers, keep_symbols, load_symbols
from svc_broker.models import Base as BrokerBase
from svc_broker.venues.paper import PaperBroker
from svc_broker.venues.paper.monitor import PriceMonitor
from svc_market.catalogue import HOURS
from svc_market.config import MarketSettings
from svc_market.demo_data import seed_demo_data
from svc_market.models import Base as MarketBase
from svc_market.quotes import QuoteBook as MarketQuotes
from svc_market.service import MarketServicer
from svc_market.symbols import ensure_catalogue
from svc_market.wiring import make_market

USER = "feed-user"
START = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)  # Monday, London session: FX is open
PIP = D("0.0001")


class HeldClock(TestClock):
    """Time stands still until the test moves it; a sleeper only yields to the loop for a moment,
    so the market's feeds publish the quote of the current instant over and over."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0.005)


@dataclass
class Feed:
    clock: HeldClock
    db: Database
    bus: InProcessBus
    catalog: StaticSymbolCatalog
    book: QuoteBook
    broker: PaperBroker


async def until(check: Callable[[], Awaitable[bool]], what: str, attempts: int = 1000) -> None:
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


def decimal(price: float) -> D:
    return D(repr(float(price)))  # how a double on the wire reads as the shortest decimal


@pytest.fixture
async def feed(tmp_path) -> AsyncIterator[Feed]:
    clock = HeldClock(START)
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/db/main.sqlite")
    await db.create_all([MarketBase.metadata, BrokerBase.metadata])
    # Two days of bars around the start, so every instant the test moves to has its bar.
    await seed_demo_data(db, TestClock(START + timedelta(days=1)), ["EURUSD"], days=2)
    bus = InProcessBus()
    market = make_market(db, clock, MarketSettings(polygon_api_key=None, ticker_symbols=["EURUSD"]), bus)
    server, port = await create_server(
        "127.0.0.1:0",
        [(market_service_pb2_grpc.add_MarketServiceServicer_to_server, MarketServicer(market))],
        ["trading.market.v1.MarketService"],
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")

    settings = BrokerSettings(model_spread_share=D(0), slippage_pips=D(0))
    book, catalog = QuoteBook(), StaticSymbolCatalog()
    broker = PaperBroker(db, book, catalog, clock, settings)
    monitor = PriceMonitor(broker, settings)
    await load_symbols(market_service_pb2_grpc.MarketServiceStub(channel), catalog)
    tasks = [
        asyncio.create_task(market.hub.hold(["EURUSD"])),
        asyncio.create_task(follow_tickers(bus, book, monitor)),
    ]
    try:
        yield Feed(clock, db, bus, catalog, book, broker)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await market.hub.close()
        await channel.close()
        await server.stop(0)
        await db.dispose()


async def streamed(bus: InProcessBus, symbol: str) -> tuple[D, D, datetime]:
    """The next price_update the market publishes for `symbol`."""
    async with bus.subscribe(f"ticker:{symbol}") as sub:
        message = await asyncio.wait_for(sub.__anext__(), 10)
    update = Event.FromString(message.data).price_update
    return decimal(update.bid), decimal(update.ask), update.timestamp.ToDatetime(tzinfo=UTC)


async def test_the_symbols_come_from_the_market_service(feed: Feed) -> None:
    aapl = feed.catalog.get("AAPL")
    assert aapl is not None
    assert aapl.asset_class == "stock"
    eurusd = feed.catalog.get("EURUSD")
    assert eurusd is not None
    assert (eurusd.contract_size, eurusd.min_units, eurusd.unit_step) == (D(100_000), D(1_000), D(1_000))
    assert eurusd.hours == HOURS["fx"]  # market's hours, sessions and spread model, as served
    assert eurusd.spreads == {"asian": D("0.00012"), "london": D("0.00008"), "new_york": D("0.00009"),
                              "off_hours": D("0.0002")}  # fmt: skip


async def test_the_broker_keeps_to_the_hours_the_market_serves(feed: Feed) -> None:
    """SPX trades US cash hours (14:30-21:00 UTC) by the market's model: closed at Monday 12:00."""
    spx = feed.catalog.get("SPX")
    assert spx is not None
    assert spx.hours == HOURS["us_cash"]
    with pytest.raises(FailedPrecondition) as closed:
        await feed.broker.place_order(USER, OrderRequest("SPX", "buy", D(1)))
    assert closed.value.reason == "MARKET_CLOSED"
    assert feed.catalog.get("ETHUSD") is not None


async def test_a_market_order_fills_at_the_streamed_ask(feed: Feed) -> None:
    bid, ask, when = await streamed(feed.bus, "EURUSD")
    assert when == START
    expected = await MarketQuotes(feed.db).quote("EURUSD", START)
    assert (bid, ask) == (decimal(expected.bid), decimal(expected.ask))
    assert ask > bid
    await until(lambda: _has_quote(feed), "the broker's book has the streamed EURUSD quote")
    bought = await feed.broker.place_order(USER, OrderRequest("EURUSD", "buy", D("0.1"), unit="lots"))
    sold = await feed.broker.place_order("other", OrderRequest("EURUSD", "sell", D("0.1"), unit="lots"))
    assert (bought.status, bought.fill_price, bought.quantity) == ("filled", ask, D(10_000))
    assert (sold.status, sold.fill_price) == ("filled", bid)


async def test_the_monitor_closes_a_position_once_when_the_stream_crosses_its_level(feed: Feed) -> None:
    bid, ask, _ = await streamed(feed.bus, "EURUSD")
    await until(lambda: _has_quote(feed), "the broker's book has a quote")
    stop_loss, take_profit = bid - 3 * PIP, bid + 3 * PIP
    bought = await feed.broker.place_order(
        USER, OrderRequest("EURUSD", "buy", D(10_000), stop_loss=stop_loss, take_profit=take_profit)
    )
    assert bought.fill_price == ask
    [position] = (await feed.broker.positions(USER)).items

    # Find, ten minutes at a time, the first instant whose bid is past the SL or the TP.
    probe = MarketQuotes(feed.db)
    later = START
    for _ in range(144):
        later += timedelta(minutes=10)
        quote = await probe.quote("EURUSD", later)
        if not stop_loss < decimal(quote.bid) < take_profit:
            break
    else:
        pytest.fail("the demo bars never moved 3 pips in a day")
    crossed_at = decimal(quote.bid)
    reason = "stop_loss" if crossed_at <= stop_loss else "take_profit"

    feed.clock.set(later)  # the market's next quotes are the ones at `later`

    async def closed() -> bool:
        return (await feed.broker.get_position(USER, position.position_id)).status == "closed"

    await until(closed, f"the {reason} closes the position")
    for _ in range(3):  # more quotes at the same level change nothing
        await streamed(feed.bus, "EURUSD")
    trades = (await feed.broker.execution_reports(USER)).items
    [close] = [t for t in trades if t.reason != "order"]
    assert (close.reason, close.side, close.price, close.quantity) == (reason, "sell", crossed_at, D(10_000))
    assert close.realized_pnl_minor == int(((crossed_at - ask) * 10_000 * 100).to_integral_value())
    assert (await feed.broker.positions(USER)).items == []


async def _has_quote(feed: Feed) -> bool:
    return feed.book.latest("EURUSD") is not None


class CountedStub:
    """The generated market stub, counting the ListSymbols calls made through it."""

    def __init__(self, stub: market_service_pb2_grpc.MarketServiceStub) -> None:
        self._stub, self.calls = stub, 0

    async def ListSymbols(self, request, **kwargs):
        self.calls += 1
        return await self._stub.ListSymbols(request, **kwargs)


async def test_symbols_are_retried_until_market_answers(tmp_path) -> None:
    """In a split run the broker may start first: it has no instruments (orders are UNAVAILABLE),
    then takes market's."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    catalog = StaticSymbolCatalog()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    stub = CountedStub(market_service_pb2_grpc.MarketServiceStub(channel))
    keeper = asyncio.create_task(keep_symbols(stub, catalog, retry_s=0.05))
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/db/main.sqlite")
    await db.create_all([MarketBase.metadata])
    await ensure_catalogue(db)
    market = make_market(db, TestClock(START), MarketSettings(polygon_api_key=None), None)
    try:

        async def refused_twice() -> bool:
            return stub.calls >= 2

        await until(refused_twice, "the broker asked a market that was not up, and asked again")
        assert not catalog.loaded
        server, _ = await create_server(
            f"127.0.0.1:{port}",
            [(market_service_pb2_grpc.add_MarketServiceServicer_to_server, MarketServicer(market))],
            ["trading.market.v1.MarketService"],
        )

        async def has_market_symbols() -> bool:
            return catalog.get("AAPL") is not None

        await until(has_market_symbols, "the broker took market's symbol list")
        await server.stop(0)
    finally:
        keeper.cancel()
        await asyncio.gather(keeper, return_exceptions=True)
        await channel.close()
        await db.dispose()
