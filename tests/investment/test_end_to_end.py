"""Seed 3.1 end to end in the all-in-one runtime: auth, market, billing and broker migrated and
served together. A verified user with a funded wallet opens an Atlas account over gRPC, a signal
arrives on `signals:BTCUSD`, Atlas's agent passes its risk checks, the paper venue fills, the
execution is logged with the signal id and the owner hears `trade_executed` on user:{id}:trades
(the channel the edge's WebSocket forwards).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal as D

import grpc
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from trading.auth.v1 import auth_messages_pb2 as apb
from trading.auth.v1 import auth_service_pb2_grpc
from trading.broker.v1 import broker_messages_pb2 as bpb
from trading.broker.v1 import broker_service_pb2_grpc, investment_service_pb2_grpc
from trading.broker.v1 import investment_messages_pb2 as pb
from trading.common.v1.money_pb2 import Money
from trading.events.v1 import events_payloads_pb2 as ev
from trading.events.v1.events_envelope_pb2 import Event

from app.migrate import migrate
from app.registry import load_specs
from app.runtime import Runtime, make_context
from core.clock import Clock
from core.events import new_event, signals_channel
from core.service import ServiceContext
from core.settings import Settings
from svc_billing import ledger
from svc_billing.config import BillingSettings
from svc_billing.wallet import DEPOSIT, Wallets
from svc_broker.investment.kyc import Kyc
from svc_broker.investment.models import AgentDecision, Execution
from svc_market.config import MarketSettings
from svc_market.wiring import bootstrap_market
from tests.investment.metaapi_fake import FakeMetaApi
from tests.mailbox import reason_of, verify_email

pytestmark = pytest.mark.slow


@dataclass
class Platform:
    ctx: ServiceContext
    channel: grpc.aio.Channel


@pytest.fixture
async def platform(tmp_path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    monkeypatch.setenv("TRADING_MARKET_DEMO_SYMBOLS", '["BTCUSD"]')
    monkeypatch.setenv("TRADING_MARKET_DEMO_DAYS", "2")
    monkeypatch.setenv("TRADING_MARKET_TICKER_SYMBOLS", '["BTCUSD"]')
    monkeypatch.setenv("TRADING_MARKET_STREAM_INTERVAL_S", "0.05")
    settings = Settings(data_dir=tmp_path, grpc_port=0)
    specs = load_specs(["auth", "market", "billing", "broker"])
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


async def market_price(paper: broker_service_pb2_grpc.PaperTradingServiceStub, token: tuple) -> D:
    """Waits (bounded) for the broker's first BTCUSD price: a tiny paper order of the user's own."""
    request = bpb.CreateOrderRequest(
        symbol="BTCUSD", side=bpb.ORDER_SIDE_BUY, amount="0.001", client_order_id="price-probe"
    )
    for _ in range(300):
        try:
            return D((await paper.CreateOrder(request, metadata=token)).order.fill_price)
        except grpc.aio.AioRpcError as refused:
            if refused.code() != grpc.StatusCode.UNAVAILABLE:
                raise
        await asyncio.sleep(0.05)
    pytest.fail("the broker never had a BTCUSD price")


async def test_seed_3_1_a_signal_trades_an_atlas_account(platform: Platform) -> None:
    ctx = platform.ctx
    auth = auth_service_pb2_grpc.AuthServiceStub(platform.channel)
    paper = broker_service_pb2_grpc.PaperTradingServiceStub(platform.channel)
    investment = investment_service_pb2_grpc.InvestmentServiceStub(platform.channel)
    registered = await auth.Register(
        apb.RegisterRequest(
            email="ada@example.com", password="a long passphrase 1", first_name="Ada", last_name="I"
        )
    )
    user = registered.user.id
    token = (("authorization", f"Bearer {registered.tokens.access_token}"),)

    products = (
        await investment.ListInvestmentProducts(pb.ListInvestmentProductsRequest(), metadata=token)
    ).products
    atlas = next(p for p in products if p.name == "Atlas")
    assert atlas.risk_profile == pb.RISK_PROFILE_CONSERVATIVE
    assert (atlas.risk_per_trade_percent, atlas.track_record_accounts) == ("1", 0)
    assert "BTCUSD" in atlas.symbols
    assert len(products) >= 3
    assert "1%" in atlas.description

    open_request = pb.CreateInvestmentAccountRequest(
        product_id=atlas.product_id,
        amount=Money(currency="USD", minor_units=200_000),
        idempotency_key="first-account",
    )
    with pytest.raises(grpc.aio.AioRpcError) as email_unverified:
        await investment.CreateInvestmentAccount(open_request, metadata=token)
    assert email_unverified.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(email_unverified.value) == "EMAIL_NOT_VERIFIED"
    refresh = registered.tokens.refresh_token
    token = await verify_email(platform.channel, ctx.settings.data_dir, "ada@example.com", refresh)
    with pytest.raises(grpc.aio.AioRpcError) as unverified:
        await investment.CreateInvestmentAccount(open_request, metadata=token)
    assert unverified.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(unverified.value) != "EMAIL_NOT_VERIFIED"  # now the missing KYC

    submitted = await investment.SubmitKyc(
        pb.SubmitKycRequest(full_name="Ada Investor", country="ES", document_number="X1234567"),
        metadata=token,
    )
    assert submitted.status == pb.KYC_STATUS_PENDING
    with pytest.raises(grpc.aio.AioRpcError) as not_admin:
        await investment.ReviewKyc(pb.ReviewKycRequest(user_id=user, approve=True), metadata=token)
    assert not_admin.value.code() == grpc.StatusCode.PERMISSION_DENIED
    status = await investment.GetKycStatus(pb.GetKycStatusRequest(), metadata=token)
    assert (status.status, status.HasField("submitted_at"), status.HasField("reviewed_at")) == (
        pb.KYC_STATUS_PENDING,
        True,
        False,
    )
    await Kyc(ctx.db, ctx.clock).review(user, "compliance-1", approve=True)  # an admin's review
    status = await investment.GetKycStatus(pb.GetKycStatusRequest(), metadata=token)
    assert (status.status, status.HasField("reviewed_at")) == (pb.KYC_STATUS_APPROVED, True)
    wallets = Wallets(ctx.db, ctx.clock, BillingSettings())
    async with ctx.db.transaction() as s:
        await wallets.post(
            s, user, DEPOSIT, 500_000, ledger.STRIPE_CLEARING, "test", "Deposit", str(uuid.uuid4())
        )

    account = (await investment.CreateInvestmentAccount(open_request, metadata=token)).account
    assert account.status == pb.INVESTMENT_ACCOUNT_STATUS_ACTIVE
    assert account.equity.minor_units == 200_000
    assert (await wallets.view(user)).balance_minor == 300_000

    price = await market_price(paper, token)
    signal = ev.MlSignalNew(
        signal_id=str(uuid.uuid4()),
        symbol="BTCUSD",
        signal=ev.SIGNAL_DIRECTION_LONG,
        entry=float(price),
        sl=float(price * D("0.97")),
        tp=float(price * D("1.06")),
        confidence=0.8,
    )
    channel = signals_channel("BTCUSD")
    async with ctx.bus.subscribe(f"user:{user}:trades") as trades:
        published = new_event("ml_signal_new", channel, signal, "inference", ctx.clock).SerializeToString()
        event = None
        for _ in range(100):  # until the agent has subscribed; a re-delivery is decided once
            await ctx.bus.publish(channel, published)
            try:
                message = await asyncio.wait_for(trades.__anext__(), 0.2)
            except TimeoutError:
                continue
            candidate = Event.FromString(message.data)
            if candidate.trade_executed.signal_id == signal.signal_id:
                event = candidate
                break
        assert event is not None, "the owner never heard trade_executed"
    fill = event.trade_executed
    assert (fill.user_id, fill.account_id, fill.symbol, fill.side) == (
        user,
        account.account_id,
        "BTCUSD",
        ev.TRADE_SIDE_BUY,
    )

    async with ctx.db.session() as s:
        [execution] = (
            await s.scalars(select(Execution).where(Execution.signal_id == signal.signal_id))
        ).all()
        [decision] = (
            await s.scalars(select(AgentDecision).where(AgentDecision.signal_id == signal.signal_id))
        ).all()
    assert (execution.account_id, execution.ticket, str(execution.filled_price)) == (
        account.account_id,
        fill.order_id,
        fill.price,
    )
    assert decision.decision == "taken"
    listed = await investment.ListAgentDecisions(
        pb.ListAgentDecisionsRequest(account_id=account.account_id), metadata=token
    )
    assert [(d.signal_id, d.decision) for d in listed.decisions] == [(signal.signal_id, "taken")]

    other = await auth.Register(
        apb.RegisterRequest(
            email="eve@example.com", password="a long passphrase 2", first_name="Eve", last_name="O"
        )
    )
    eve = (("authorization", f"Bearer {other.tokens.access_token}"),)
    for call in (
        investment.ListAgentDecisions(
            pb.ListAgentDecisionsRequest(account_id=account.account_id), metadata=eve
        ),
        investment.GetInvestmentPerformance(
            pb.GetInvestmentPerformanceRequest(account_id=account.account_id), metadata=eve
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as hidden:
            await call
        assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    before = (await wallets.view(user)).balance_minor
    with pytest.raises(grpc.aio.AioRpcError) as eve_unverified:  # an unverified email moves no money
        await investment.DepositInvestment(
            pb.DepositInvestmentRequest(
                account_id=account.account_id,
                amount=Money(currency="USD", minor_units=10_000),
                idempotency_key="eve-deposit",
            ),
            metadata=eve,
        )
    assert eve_unverified.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(eve_unverified.value) == "EMAIL_NOT_VERIFIED"
    assert (await wallets.view(user)).balance_minor == before
    with pytest.raises(grpc.aio.AioRpcError) as zero:
        await investment.DepositInvestment(
            pb.DepositInvestmentRequest(
                account_id=account.account_id,
                amount=Money(currency="USD", minor_units=0),
                idempotency_key="zero-dep",
            ),
            metadata=token,
        )
    assert zero.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    # The stop loses at most 1% of the equity.
    assert execution.volume * (price - D(repr(signal.sl))) * 100 <= D(2_000) * D("1.01")


@pytest.fixture
async def metaapi_platform(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Platform, FakeMetaApi]]:
    fake = FakeMetaApi("e2e-metaapi-token", Clock())
    fake.move("BTCUSD", "50000", "50010")
    server = TestServer(fake.app, host="127.0.0.1", port=0)
    await server.start_server()
    monkeypatch.setenv("TRADING_INVESTMENT_VENUE", "metaapi")
    monkeypatch.setenv("TRADING_INVESTMENT_METAAPI_TOKEN", "e2e-metaapi-token")
    monkeypatch.setenv("TRADING_INVESTMENT_METAAPI_BASE_URL", str(server.make_url("")))
    monkeypatch.setenv("TRADING_INVESTMENT_METAAPI_PROVISIONING_URL", str(server.make_url("")))
    settings = Settings(data_dir=tmp_path, grpc_port=0)
    specs = load_specs(["auth", "market", "billing", "broker"])
    migrate(settings, specs)
    ctx = make_context(settings)
    await bootstrap_market(ctx, MarketSettings())
    runtime = Runtime(ctx, specs, "test")
    port = await runtime.start("127.0.0.1:0")
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Platform(ctx, channel), fake
    finally:
        await channel.close()
        await runtime.stop(grace_s=0)
        await server.close()


async def test_seed_3_1_on_the_metaapi_venue(metaapi_platform: tuple[Platform, FakeMetaApi]) -> None:
    platform, fake = metaapi_platform
    ctx = platform.ctx
    auth = auth_service_pb2_grpc.AuthServiceStub(platform.channel)
    investment = investment_service_pb2_grpc.InvestmentServiceStub(platform.channel)
    registered = await auth.Register(
        apb.RegisterRequest(
            email="mia@example.com", password="a long passphrase 3", first_name="Mia", last_name="M"
        )
    )
    user = registered.user.id
    refresh = registered.tokens.refresh_token
    token = await verify_email(platform.channel, ctx.settings.data_dir, "mia@example.com", refresh)
    await investment.SubmitKyc(
        pb.SubmitKycRequest(full_name="Mia Investor", country="PT", document_number="P998877"), metadata=token
    )
    await Kyc(ctx.db, ctx.clock).review(user, "compliance-1", approve=True)
    wallets = Wallets(ctx.db, ctx.clock, BillingSettings())
    async with ctx.db.transaction() as s:
        await wallets.post(
            s, user, DEPOSIT, 500_000, ledger.STRIPE_CLEARING, "test", "Deposit", str(uuid.uuid4())
        )
    account = (
        await investment.CreateInvestmentAccount(
            pb.CreateInvestmentAccountRequest(
                product_id="atlas",
                amount=Money(currency="USD", minor_units=200_000),
                idempotency_key="meta-account",
            ),
            metadata=token,
        )
    ).account
    assert account.status == pb.INVESTMENT_ACCOUNT_STATUS_ACTIVE

    signal = ev.MlSignalNew(
        signal_id=str(uuid.uuid4()),
        symbol="BTCUSD",
        signal=ev.SIGNAL_DIRECTION_LONG,
        entry=50010.0,
        sl=48510.0,
        tp=53010.0,
        confidence=0.8,
    )
    channel = signals_channel("BTCUSD")
    async with ctx.bus.subscribe(f"user:{user}:trades") as trades:
        published = new_event("ml_signal_new", channel, signal, "inference", ctx.clock).SerializeToString()
        event = None
        for _ in range(100):
            await ctx.bus.publish(channel, published)
            try:
                message = await asyncio.wait_for(trades.__anext__(), 0.2)
            except TimeoutError:
                continue
            candidate = Event.FromString(message.data)
            if candidate.trade_executed.signal_id == signal.signal_id:
                event = candidate
                break
        assert event is not None, "the owner never heard trade_executed"
    fill = event.trade_executed
    assert (fill.venue, fill.price, fill.account_id) == (ev.TRADE_VENUE_BROKER, "50010", account.account_id)
    [provisioned] = fake.provisioned.values()  # one MetaAPI account, made for this investment account
    assert provisioned["name"] == f"inv-{account.account_id}"
    [position] = fake.accounts[provisioned["id"]].positions.values()
    assert (position["symbol"], position["stopLoss"], position["clientId"]) == (
        "BTCUSD",
        48510.0,
        f"sig-{signal.signal_id}",
    )
