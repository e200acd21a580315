"""Chart, stream and fill agree to the tick on a fresh all-in-one start: the demo run's tick feed
extends the latest stored bar, the price stream quotes that tick, the broker fills at it, and the
chart's forming candle closes at it. Time is held still, so all three are read at one instant."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal as D

import grpc
import pytest
from trading.auth.v1 import auth_messages_pb2 as apb
from trading.auth.v1 import auth_service_pb2_grpc
from trading.broker.v1 import broker_messages_pb2 as pb
from trading.broker.v1 import broker_service_pb2_grpc
from trading.events.v1.events_envelope_pb2 import Event
from trading.market.v1 import market_messages_pb2 as mpb
from trading.market.v1 import market_service_pb2_grpc

from app.migrate import migrate
from app.registry import load_specs
from app.runtime import Runtime, make_context
from core.clock import TestClock
from core.settings import Settings
from svc_market.config import MarketSettings
from svc_market.wiring import bootstrap_market
from tests.broker.test_end_to_end import Platform, place_when_priced

pytestmark = pytest.mark.slow

# 12:03:45 on a Monday: three quarters into a 5-minute bar, in the London session.
NOW = datetime(2025, 1, 6, 12, 3, 45, tzinfo=UTC)


class HeldClock(TestClock):
    """Time stands still; a sleeper only yields to the loop for a moment."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0.005)


@pytest.fixture
async def platform(tmp_path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    monkeypatch.setenv("TRADING_MARKET_DEMO_SYMBOLS", '["BTCUSD"]')
    monkeypatch.setenv("TRADING_MARKET_DEMO_DAYS", "2")
    monkeypatch.setenv("TRADING_MARKET_TICKER_SYMBOLS", '["BTCUSD"]')
    settings = Settings(data_dir=tmp_path, grpc_port=0)
    specs = load_specs(["auth", "market", "broker"])
    migrate(settings, specs)
    ctx = make_context(settings, HeldClock(NOW))
    await bootstrap_market(ctx, MarketSettings())  # two days of simulated bars, up to the bar before NOW's
    runtime = Runtime(ctx, specs, "test")
    port = await runtime.start("127.0.0.1:0")
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Platform(ctx, channel)
    finally:
        await channel.close()
        await runtime.stop(grace_s=0)


async def test_chart_stream_and_fill_agree_to_the_tick(platform: Platform) -> None:
    auth = auth_service_pb2_grpc.AuthServiceStub(platform.channel)
    registered = await auth.Register(
        apb.RegisterRequest(
            email="t@example.com", password="a long passphrase 1", first_name="T", last_name="T"
        )
    )
    token = (("authorization", f"Bearer {registered.tokens.access_token}"),)
    market = market_service_pb2_grpc.MarketServiceStub(platform.channel)
    paper = broker_service_pb2_grpc.PaperTradingServiceStub(platform.channel)

    async with platform.ctx.bus.subscribe("ticker:BTCUSD") as ticks:
        message = await asyncio.wait_for(ticks.__anext__(), 30)
    tick = Event.FromString(message.data).price_update
    order = (
        await place_when_priced(
            paper, pb.CreateOrderRequest(symbol="BTCUSD", side=pb.ORDER_SIDE_BUY, amount="0.01"), token
        )
    ).order
    chart = await market.GetCandles(mpb.GetCandlesRequest(symbol="BTCUSD", tf="5m", limit=3), metadata=token)

    forming = chart.candles[-1]
    assert forming.time.ToDatetime(tzinfo=UTC) == datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
    # the chart's last close is the stream's mid, the buy filled at the stream's ask
    assert round(forming.close, 2) == round((tick.bid + tick.ask) / 2, 2)
    assert D(order.fill_price) == D(repr(tick.ask))
    # the tick continues the stored series: the forming bar opens at the previous bar's close
    assert forming.open == chart.candles[-2].close
    assert forming.low <= forming.close <= forming.high
