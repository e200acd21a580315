"""Live prices from Polygon's WebSocket: the real massive WebSocketClient against a fake Polygon
feed on loopback, behind the market servicers on a real grpc.aio server."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime

import grpc
import pytest
from trading.events.v1 import events_envelope_pb2
from trading.market.v1 import market_messages_pb2 as pb
from trading.market.v1 import market_service_pb2_grpc as rpc
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from core.bus import InProcessBus
from core.clock import Clock, TestClock
from svc_market.adapters.polygon import channel_of
from svc_market.catalogue import BY_SYMBOL
from svc_market.config import MarketSettings
from svc_market.demo_data import seed_demo_data
from svc_market.models import Base
from svc_market.service import MarketDataServicer, MarketServicer
from svc_market.wiring import make_market

NOW = datetime(2025, 1, 8, 12, tzinfo=UTC)
# The fake's quote times: one a second from 09:00 UTC on NOW's day, wrapping within the London
# session (08:00-13:00), so every recorded quote is a London quote however long the test runs.
LONDON_MS = int(NOW.replace(hour=9).timestamp()) * 1000
LONDON_SPAN_MS = 4 * 3600 * 1000


class FakePolygonFeed:
    """Polygon's WebSocket protocol: `connected` status, auth, subscribe/unsubscribe, then quote
    messages (`C` for forex, `XQ` for crypto) for every subscribed channel every 10 ms."""

    def __init__(self) -> None:
        self.accepting = True
        self.opened = 0
        self.keys: list[str] = []
        self.actions: list[tuple[str, str]] = []
        self.prices = {"C.EUR-USD": (1.08001, 1.08013), "XQ.BTC-USD": (64000.5, 64003.0)}
        self.sent = 0
        self.start_ms = LONDON_MS  # the first quote's time
        self.live: set[ServerConnection] = set()

    async def handler(self, ws: ServerConnection) -> None:
        if not self.accepting:
            await ws.close(1011, "outage")
            return
        self.opened += 1
        await ws.send(
            json.dumps([{"ev": "status", "status": "connected", "message": "Connected Successfully"}])
        )
        self.keys.append(json.loads(await ws.recv())["params"])
        await ws.send(json.dumps([{"ev": "status", "status": "auth_success", "message": "authenticated"}]))
        subs: set[str] = set()
        self.live.add(ws)
        pusher = asyncio.create_task(self._push(ws, subs))
        try:
            async for raw in ws:
                message = json.loads(raw)
                for channel in message["params"].split(","):
                    self.actions.append((message["action"], channel))
                    (subs.add if message["action"] == "subscribe" else subs.discard)(channel)
        except ConnectionClosed:
            pass
        finally:
            self.live.discard(ws)
            pusher.cancel()

    async def _push(self, ws: ServerConnection, subs: set[str]) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                batch = []
                for channel in sorted(subs):
                    bid, ask = self.prices[channel]
                    self.sent += 1
                    quote_ms = self.start_ms + (self.sent * 1000) % LONDON_SPAN_MS
                    prefix, pair = channel.split(".", 1)
                    if prefix == "C":
                        batch.append({"ev": "C", "p": pair.replace("-", "/"), "x": 48, "a": ask, "b": bid,
                                      "t": quote_ms})  # fmt: skip
                    else:
                        batch.append({"ev": "XQ", "pair": pair, "bp": bid, "bs": 0.5, "ap": ask, "as": 0.7,
                                      "t": quote_ms, "x": 1, "r": quote_ms})  # fmt: skip
                if batch:
                    await ws.send(json.dumps(batch))
                await asyncio.sleep(0.01)

    async def drop(self) -> None:
        """An outage: every open connection closes abnormally."""
        for ws in list(self.live):
            await ws.close(1011, "outage")

    def subscribes(self, channel: str) -> int:
        return sum(1 for action, ch in self.actions if action == "subscribe" and ch == channel)


@pytest.fixture
async def feed():
    fake = FakePolygonFeed()
    async with serve(fake.handler, "127.0.0.1", 0) as server:
        fake.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        yield fake


@pytest.fixture
async def served(make_database, feed):
    db = await make_database(Base.metadata)
    await seed_demo_data(db, TestClock(NOW), ["EURUSD", "BTCUSD"], days=5)
    bus = InProcessBus()
    settings = MarketSettings(
        polygon_api_key="test-key", polygon_ws_url=f"ws://127.0.0.1:{feed.port}", stream_interval_s=0.02,
        ws_backoff_initial_s=0.05, ws_backoff_max_s=0.2, ticker_symbols=[],
        quote_retention_days=100_000,  # the fake's quotes are dated NOW: never pruned as old
        demo_ticks=False,
    )  # fmt: skip
    market = make_market(db, Clock(), settings, bus)
    server = grpc.aio.server()
    rpc.add_MarketServiceServicer_to_server(MarketServicer(market), server)
    rpc.add_MarketDataServiceServicer_to_server(MarketDataServicer(market), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield rpc.MarketServiceStub(channel), rpc.MarketDataServiceStub(channel), market, bus
    await channel.close()
    await market.hub.close()
    await server.stop(None)


async def _until(stream, want) -> pb.StreamPricesResponse:
    async with asyncio.timeout(10):
        async for quote in stream:
            if want(quote):
                return quote
    raise AssertionError("stream ended")


def test_subscription_channels_follow_polygons_ticker_format() -> None:
    assert channel_of(BY_SYMBOL["EURUSD"])[1] == "C.EUR-USD"
    assert channel_of(BY_SYMBOL["XAUUSD"])[1] == "C.XAU-USD"
    assert channel_of(BY_SYMBOL["BTCUSD"])[1] == "XQ.BTC-USD"
    assert channel_of(BY_SYMBOL["AAPL"])[1] == "Q.AAPL"
    assert channel_of(BY_SYMBOL["SPX"]) is None  # indices stream values, not quotes: replayed


async def test_live_quotes_reach_every_subscriber_and_the_bus_over_one_upstream_subscription(
    served, feed
) -> None:
    stub, _, market, bus = served
    streams = [stub.StreamPrices(pb.StreamPricesRequest(symbol="EURUSD")) for _ in range(5)]
    crypto = stub.StreamPrices(pb.StreamPricesRequest(symbol="BTCUSD"))
    async with bus.subscribe("ticker:EURUSD") as ticks:
        quotes = await asyncio.gather(*(_until(s, lambda q: not q.simulated) for s in streams))
        btc = await _until(crypto, lambda q: not q.simulated)
        async with asyncio.timeout(10):
            while True:
                event = events_envelope_pb2.Event.FromString((await anext(ticks)).data)
                if event.price_update.bid == 1.08001:
                    break
    assert all((q.bid, q.ask) == (1.08001, 1.08013) for q in quotes)
    assert quotes[0].price == pytest.approx(1.08007)
    assert (btc.bid, btc.ask) == (64000.5, 64003.0)
    assert event.type == "price_update"
    assert event.price_update.ask == 1.08013
    assert feed.subscribes("C.EUR-USD") == 1  # five subscribers, one upstream subscription
    assert feed.subscribes("XQ.BTC-USD") == 1
    assert feed.opened == 2  # one connection per Polygon market (forex, crypto)
    assert set(feed.keys) == {"test-key"}
    for s in [*streams, crypto]:
        s.cancel()
    async with asyncio.timeout(10):
        while ("unsubscribe", "C.EUR-USD") not in feed.actions:
            await asyncio.sleep(0.01)
    assert market.live is not None
    assert "C.EUR-USD" not in market.live.subscriptions()


async def test_a_dropped_feed_falls_back_to_the_replay_then_reconnects(served, feed) -> None:
    stub, data, market, _ = served
    stream = stub.StreamPrices(pb.StreamPricesRequest(symbol="EURUSD"))
    await _until(stream, lambda q: not q.simulated)
    health = await data.GetDataHealth(pb.GetDataHealthRequest())
    assert {p.name: p.available for p in health.providers}["polygon_ws"]

    feed.accepting = False
    await feed.drop()
    replayed = await _until(stream, lambda q: q.simulated)
    assert (replayed.bid, replayed.ask) != (1.08001, 1.08013)
    assert replayed.ask > replayed.bid
    health = await data.GetDataHealth(pb.GetDataHealthRequest())
    assert health.status == "degraded"
    assert not {p.name: p.available for p in health.providers}["polygon_ws"]
    quote = await stub.GetQuote(pb.GetQuoteRequest(symbol="EURUSD"))  # the broker's price: replay too
    assert quote.quote.simulated

    feed.prices["C.EUR-USD"] = (1.09001, 1.09011)
    feed.accepting = True
    back = await _until(stream, lambda q: not q.simulated)
    stream.cancel()
    assert (back.bid, back.ask) == (1.09001, 1.09011)
    assert feed.opened == 2
    assert feed.subscribes("C.EUR-USD") == 2  # the new connection subscribes again
    assert market.live is not None
    assert market.live.sessions() == 2


async def test_spreads_come_from_recorded_live_quotes_and_the_model_elsewhere(served, feed) -> None:
    stub, data, market, _ = served
    stream = stub.StreamPrices(pb.StreamPricesRequest(symbol="EURUSD"))
    await _until(stream, lambda q: not q.simulated)
    async with asyncio.timeout(10):
        while len(market.recorder.pending) < 5:
            await asyncio.sleep(0.01)
    stream.cancel()
    # Only this flush writes (no recorder loop runs here): the table then holds exactly its rows,
    # however many more quotes the feed sends before it hears of the unsubscribe.
    written = await market.recorder.flush()
    assert written >= 5
    ticker_id = next(
        s.ticker_id for s in (await stub.ListSymbols(pb.ListSymbolsRequest())).symbols if s.symbol == "EURUSD"
    )
    reply = await data.GetSpreads(pb.GetSpreadsRequest(ticker_id=ticker_id))
    by_session = {s.session: s for s in reply.sessions}
    london = by_session[pb.SESSION_LONDON]
    assert london.samples == written  # one quote per second of quote time, every one in London
    assert london.avg_spread == pytest.approx(0.00012)
    assert london.min == pytest.approx(0.00012)
    assert london.max == pytest.approx(0.00012)
    assert by_session[pb.SESSION_ASIAN].samples == 0  # no quotes there: the model
    assert by_session[pb.SESSION_ASIAN].avg_spread == pytest.approx(1.2 * 0.0001)


async def test_the_recorder_samples_one_quote_per_second_and_drops_old_ones(make_database) -> None:
    from sqlalchemy import func, select

    from svc_market.models import Quote as QuoteRow
    from svc_market.quote_recorder import QuoteRecorder
    from svc_market.symbols import ensure_catalogue

    db = await make_database(Base.metadata)
    await ensure_catalogue(db)
    clock = TestClock(NOW)
    recorder = QuoteRecorder(db, clock, interval_s=1.0, retention_s=7 * 86400)
    now_s = NOW.timestamp()
    recorder.offer("EURUSD", now_s - 8 * 86400, 1.1, 1.1002)  # older than the retention
    await recorder.flush()  # written, then pruned in the same transaction
    for offset in (0.0, 0.4, 0.9, 1.0, 2.5):  # three distinct seconds
        recorder.offer("EURUSD", now_s + offset, 1.1, 1.1001)
    assert await recorder.flush() == 3
    clock.advance(3600)
    assert await recorder.flush() == 0  # nothing pending; the hourly prune keeps recent rows
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(QuoteRow)) == 3


async def test_live_quotes_build_the_bars_so_chart_stream_and_fill_agree(served, feed) -> None:
    stub, _, _, _ = served
    feed.start_ms = LONDON_MS + 86400 * 1000  # the day after the stored bars: the newest bars are live
    stream = stub.StreamPrices(pb.StreamPricesRequest(symbol="EURUSD"))
    await _until(stream, lambda q: not q.simulated)
    feed.prices["C.EUR-USD"] = (1.09001, 1.09011)
    streamed = await _until(stream, lambda q: q.bid == 1.09001)
    fill = await stub.GetQuote(pb.GetQuoteRequest(symbol="EURUSD"))  # what the broker fills at
    chart = await stub.GetCandles(pb.GetCandlesRequest(symbol="EURUSD", tf="5m", limit=3))
    stream.cancel()
    last = chart.candles[-1]
    assert streamed.price == fill.quote.price == last.close
    assert last.high >= last.close >= last.low
    assert last.time.seconds >= int(NOW.timestamp()) + 86400 - 3 * 3600  # built from the quotes' times
    assert chart.source == "polygon_live"
    assert not chart.freshness.simulated


async def test_the_bar_builder_makes_bars_from_quote_mids(make_database) -> None:
    from svc_market.bar_store import last_synced_ts, load_bars
    from svc_market.live_bars import LiveBarBuilder
    from svc_market.symbols import ensure_catalogue, get_symbol

    db = await make_database(Base.metadata)
    await ensure_catalogue(db)
    builder = LiveBarBuilder(db, TestClock(NOW))
    t = int(NOW.timestamp())
    for offset, bid in ((1, 1.1000), (40, 1.1010), (80, 1.0990), (120, 1.1002)):
        builder.offer("EURUSD", t + offset, bid, bid + 0.0002)
    builder.offer("EURUSD", t + 301, 1.2000, 1.2002)  # the next bar opens
    builder.offer("EURUSD", t + 200, 1.5000, 1.5002)  # late, for a bar already closed: ignored
    assert await builder.flush() == 2
    builder.offer("EURUSD", t + 302, 1.2100, 1.2102)
    assert await builder.flush("EURUSD") == 1  # only the forming bar changed
    async with db.session() as session:
        symbol_id = (await get_symbol(session, "EURUSD")).id
        bars = await load_bars(session, symbol_id, 300, None, None)
        synced = await last_synced_ts(session, symbol_id, 300)
    assert bars.ts.tolist() == [t, t + 300]
    assert bars.open.tolist() == pytest.approx([1.1001, 1.2001])
    assert bars.high.tolist() == pytest.approx([1.1011, 1.2101])
    assert bars.low.tolist() == pytest.approx([1.0991, 1.2001])
    assert bars.close.tolist() == pytest.approx([1.1003, 1.2101])
    assert bars.volume.tolist() == [4, 2]  # quotes per bar
    assert synced is None  # a sync still fills these times with the provider's own bars
