"""The market servicers over a real grpc.aio server: candles, indicators, stream fan-out, spreads."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import grpc
import pytest
from trading.events.v1 import events_envelope_pb2
from trading.market.v1 import market_messages_pb2 as pb
from trading.market.v1 import market_service_pb2_grpc as rpc

from core.bus import InProcessBus
from core.clock import Clock, TestClock
from svc_market.config import MarketSettings
from svc_market.demo_data import seed_demo_data
from svc_market.models import Base
from svc_market.service import MarketDataServicer, MarketServicer
from svc_market.wiring import make_market

NOW = datetime(2025, 1, 8, 12, tzinfo=UTC)


@pytest.fixture
async def served(make_database):
    db = await make_database(Base.metadata)
    await seed_demo_data(db, TestClock(NOW), ["EURUSD", "BTCUSD"], days=5)
    bus = InProcessBus()
    # the replay of stored bars; no ticker feeds held elsewhere, so a stream's feed publishes
    settings = MarketSettings(stream_interval_s=0.01, demo_ticks=False, ticker_symbols=[])
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


def _ts(seconds: int):
    from google.protobuf.timestamp_pb2 import Timestamp

    return Timestamp(seconds=seconds)


async def test_hourly_candles_are_aligned_and_flagged_simulated(served) -> None:
    stub, _, _, _ = served
    start = int(datetime(2025, 1, 6, tzinfo=UTC).timestamp())
    reply = await stub.GetCandles(
        pb.GetCandlesRequest(symbol="EURUSD", tf="1h", to=_ts(start + 86400), **{"from": _ts(start)})
    )
    assert len(reply.candles) == 24
    assert all(c.time.seconds % 3600 == 0 for c in reply.candles)
    assert all(c.low <= min(c.open, c.close) and c.high >= max(c.open, c.close) for c in reply.candles)
    assert reply.freshness.simulated


async def test_fx_weekend_has_no_candles(served) -> None:
    stub, _, _, _ = served
    saturday = int(datetime(2025, 1, 4, tzinfo=UTC).timestamp())
    reply = await stub.GetCandles(
        pb.GetCandlesRequest(
            symbol="EURUSD", tf="1h", to=_ts(saturday + 86400 * 2), **{"from": _ts(saturday)}
        )
    )
    assert all(c.time.seconds >= saturday + 86400 + 22 * 3600 for c in reply.candles)


async def test_unknown_symbol_is_not_found(served) -> None:
    stub, _, _, _ = served
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.GetCandles(pb.GetCandlesRequest(symbol="NOPE", tf="1h"))
    assert caught.value.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNKNOWN)


async def test_indicators_are_served_for_the_newest_bars(served) -> None:
    stub, data, _, _ = served
    reply = await stub.GetIndicators(pb.GetIndicatorsRequest(symbol="EURUSD", timeframe="15m", points=3))
    assert len(reply.points) == 3
    latest = reply.points[-1]
    assert latest.HasField("sma_50")
    assert latest.HasField("rsi_14")
    assert 0 <= latest.rsi_14 <= 100
    snap = await data.GetIndicatorSnapshot(pb.GetIndicatorSnapshotRequest(symbol="EURUSD"))
    assert snap.latest.HasField("atr_14")


async def test_many_subscribers_share_one_feed_and_quotes_reach_the_bus(served) -> None:
    stub, _, market, bus = served

    async def take(n: int) -> list[pb.StreamPricesResponse]:
        out = []
        async for quote in stub.StreamPrices(pb.StreamPricesRequest(symbol="EURUSD")):
            out.append(quote)
            if len(out) == n:
                break
        return out

    async with bus.subscribe("ticker:*") as ticks:
        results = await asyncio.gather(*(take(3) for _ in range(5)))
        message = await asyncio.wait_for(anext(ticks), 5)
    assert all(len(r) == 3 for r in results)
    assert all(q.ask > q.bid for r in results for q in r)
    assert market.hub.feeds_started == 1
    event = events_envelope_pb2.Event.FromString(message.data)
    assert message.channel == "ticker:EURUSD"
    assert event.type == "price_update"
    assert event.price_update.symbol == "EURUSD"


async def test_spreads_come_from_the_model_without_quotes(served) -> None:
    _, data, _, _ = served
    reply = await data.GetSpreads(pb.GetSpreadsRequest(ticker_id=1, session=pb.SESSION_LONDON))
    assert reply.symbol == "EURUSD"
    assert [s.session for s in reply.sessions] == [pb.SESSION_LONDON]
    assert reply.sessions[0].samples == 0
    assert reply.min < reply.avg_spread < reply.max


async def test_held_feeds_publish_prices_with_nobody_streaming(served) -> None:
    _, _, market, bus = served
    async with bus.subscribe("ticker:*") as ticks:
        holder = asyncio.create_task(market.hub.hold(["EURUSD", "BTCUSD", "NOPE"], retry_s=0.05))
        seen: set[str] = set()
        async with asyncio.timeout(10):
            while seen != {"ticker:EURUSD", "ticker:BTCUSD"}:
                seen.add((await anext(ticks)).channel)
        holder.cancel()
        with pytest.raises(asyncio.CancelledError):
            await holder
    assert "NOPE" not in market.hub.feeds  # an unknown symbol is retried, never fed


async def test_a_ticker_held_by_another_replica_is_streamed_here_but_published_once(served) -> None:
    """EURUSD's ticks go on the bus from the replica that holds the ticker feeds (its lease): a
    stream subscriber here gets quotes without this replica publishing them too; once this
    replica holds the feeds, the same feed publishes."""
    stub, _, market, bus = served
    market.hub.tickers = frozenset({"EURUSD"})
    async with bus.subscribe("ticker:*") as ticks:
        streamed = 0
        async for _ in stub.StreamPrices(pb.StreamPricesRequest(symbol="EURUSD")):
            streamed += 1
            if streamed == 3:
                break
        await bus.publish("ticker:MARK", b"")  # the bus keeps order: anything published before comes first
        assert (await asyncio.wait_for(anext(ticks), 5)).channel == "ticker:MARK"

        holder = asyncio.create_task(market.hub.hold(["EURUSD"], retry_s=0.05))
        assert (await asyncio.wait_for(anext(ticks), 5)).channel == "ticker:EURUSD"
        holder.cancel()
        with pytest.raises(asyncio.CancelledError):
            await holder
    assert market.hub.holding == set()


async def test_symbols_carry_the_hours_sessions_and_spread_model(served) -> None:
    stub, _, _, _ = served
    reply = await stub.ListSymbols(pb.ListSymbolsRequest())
    spx = next(s for s in reply.symbols if s.symbol == "SPX")
    assert (spx.hours.code, spx.hours.open_utc, spx.hours.close_utc) == ("us_cash", "14:30", "21:00")
    eurusd = next(s for s in reply.symbols if s.symbol == "EURUSD")
    assert {m.session: m.spread for m in eurusd.spreads} == {
        pb.SESSION_ASIAN: "0.00012",
        pb.SESSION_LONDON: "0.00008",
        pb.SESSION_NEW_YORK: "0.00009",
        pb.SESSION_OFF_HOURS: "0.0002",
    }
    assert [(w.session, w.start_utc, w.end_utc) for w in reply.sessions] == [
        (pb.SESSION_ASIAN, "00:00", "08:00"),
        (pb.SESSION_LONDON, "08:00", "13:00"),
        (pb.SESSION_NEW_YORK, "13:00", "22:00"),
        (pb.SESSION_OFF_HOURS, "22:00", "24:00"),
    ]
