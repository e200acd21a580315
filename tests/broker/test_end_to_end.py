"""Paper trading end to end in the all-in-one runtime: auth, market and broker migrated, built and
served on one gRPC server with their background tasks (market's ticker feeds, the broker's price
feed, monitor and outbox relay), demo bars from market's bootstrap. A user registers, trades
over gRPC with their token and hears about it on the bus.

BTCUSD trades every day, so the test needs no particular time of the week.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN
from decimal import Decimal as D

import grpc
import pytest
from trading.auth.v1 import auth_messages_pb2 as apb
from trading.auth.v1 import auth_service_pb2_grpc
from trading.broker.v1 import broker_messages_pb2 as pb
from trading.broker.v1 import broker_service_pb2_grpc
from trading.events.v1 import events_payloads_pb2 as epb
from trading.events.v1.events_envelope_pb2 import Event

from app.migrate import migrate
from app.registry import load_specs
from app.runtime import Runtime, make_context
from core.bus import Subscription
from core.service import ServiceContext
from core.settings import Settings
from svc_market.config import MarketSettings
from svc_market.wiring import bootstrap_market

pytestmark = pytest.mark.slow


@dataclass
class Platform:
    ctx: ServiceContext
    channel: grpc.aio.Channel


@pytest.fixture
async def platform(tmp_path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    # Demo bars and a ticker feed for one symbol only, and quotes often: a small, quick platform.
    monkeypatch.setenv("TRADING_MARKET_DEMO_SYMBOLS", '["BTCUSD"]')
    monkeypatch.setenv("TRADING_MARKET_DEMO_DAYS", "2")
    monkeypatch.setenv("TRADING_MARKET_TICKER_SYMBOLS", '["BTCUSD"]')
    monkeypatch.setenv("TRADING_MARKET_STREAM_INTERVAL_S", "0.05")
    settings = Settings(data_dir=tmp_path, grpc_port=0)
    specs = load_specs(["auth", "market", "broker"])
    migrate(settings, specs)
    ctx = make_context(settings)
    await bootstrap_market(ctx, MarketSettings())
    runtime = Runtime(ctx, specs, "test")
    port = await runtime.start("127.0.0.1:0")
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Platform(ctx, channel)
    finally:
        await channel.close()
        await runtime.stop(grace_s=0)


async def next_event(sub: Subscription) -> Event:
    message = await asyncio.wait_for(sub.__anext__(), 15)
    return Event.FromString(message.data)


async def place_when_priced(
    paper: broker_service_pb2_grpc.PaperTradingServiceStub,
    request: pb.CreateOrderRequest,
    token: tuple[tuple[str, str], ...],
) -> pb.CreateOrderResponse:
    for _ in range(300):
        try:
            return await paper.CreateOrder(request, metadata=token)
        except grpc.aio.AioRpcError as refused:
            if refused.code() != grpc.StatusCode.UNAVAILABLE:
                raise
        await asyncio.sleep(0.05)
    pytest.fail("the broker never had a BTCUSD price")


async def test_a_user_trades_on_paper_and_hears_about_it_on_the_bus(platform: Platform) -> None:
    auth = auth_service_pb2_grpc.AuthServiceStub(platform.channel)
    paper = broker_service_pb2_grpc.PaperTradingServiceStub(platform.channel)
    registered = await auth.Register(
        apb.RegisterRequest(
            email="trader@example.com", password="a long passphrase 1", first_name="Tess", last_name="Trader"
        )
    )
    user = registered.user.id
    token = (("authorization", f"Bearer {registered.tokens.access_token}"),)

    async with (
        platform.ctx.bus.subscribe(f"user:{user}:trades") as trades,
        platform.ctx.bus.subscribe(f"user:{user}:positions") as positions,
    ):
        request = pb.CreateOrderRequest(
            symbol="BTCUSD",
            side=pb.ORDER_SIDE_BUY,
            amount="0.01",
            amount_unit=pb.AMOUNT_UNIT_LOTS,
            client_order_id="first-trade",
        )
        # Until the first quote from market's feed reaches the broker, the order is refused with
        # UNAVAILABLE; the client order id makes retrying safe.
        created = await place_when_priced(paper, request, token)
        order = created.order
        assert order.status == pb.ORDER_STATUS_FILLED
        assert D(order.fill_price) > 0

        executed = await next_event(trades)
        assert (executed.type, executed.channel) == ("trade_executed", f"user:{user}:trades")
        fill = executed.trade_executed
        assert (fill.user_id, fill.order_id, fill.symbol) == (user, order.order_id, "BTCUSD")
        assert (fill.side, fill.status, D(fill.price)) == (
            epb.TRADE_SIDE_BUY,
            epb.TRADE_STATUS_FILLED,
            D(order.fill_price),
        )

        # The broker trades market's catalogue (read over gRPC before any price): BTCUSD's smallest
        # order there is 0.001 BTC, where the built-in list would take 0.0005.
        with pytest.raises(grpc.aio.AioRpcError) as too_small:
            await paper.CreateOrder(
                pb.CreateOrderRequest(symbol="BTCUSD", side=pb.ORDER_SIDE_BUY, amount="0.0005"),
                metadata=token,
            )
        assert too_small.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "0.001" in (too_small.value.details() or "")

        [position] = (await paper.ListPositions(pb.ListPositionsRequest(), metadata=token)).positions
        assert position.position_id == fill.position_id
        closed = await paper.ClosePosition(
            pb.ClosePositionRequest(position_id=position.position_id), metadata=token
        )
        assert closed.position.status == pb.POSITION_STATUS_CLOSED

        closing = await next_event(trades)
        assert (closing.type, closing.trade_executed.side) == ("trade_executed", epb.TRADE_SIDE_SELL)
        event = await next_event(positions)
        assert (event.type, event.channel) == ("position_closed", f"user:{user}:positions")
        result = event.position_closed
        assert (result.user_id, result.position_id, result.symbol) == (user, position.position_id, "BTCUSD")
        assert (D(result.entry_price), D(result.exit_price)) == (D(order.fill_price), D(closed.trade.price))
        # A long's PnL: (exit - entry) x 0.01 BTC, in cents of the USD account.
        expected = ((D(result.exit_price) - D(result.entry_price)) * D("0.01") * 100).to_integral_value(
            ROUND_HALF_EVEN
        )
        assert (result.pnl.currency, result.pnl.minor_units) == ("USD", int(expected))
        assert result.pnl.minor_units == closed.trade.realized_pnl.minor_units
        assert result.pnl.minor_units < 0 or D(result.exit_price) > D(result.entry_price)

    account = (await paper.GetAccount(pb.GetAccountRequest(), metadata=token)).account
    assert account.balance.minor_units == 1_000_000 + result.pnl.minor_units
