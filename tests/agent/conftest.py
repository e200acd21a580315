"""The assistant in the all-in-one runtime: auth, market (demo bars), inference (one small
trained model), broker, education (the demo courses) and agent on one gRPC server, the edge's
WebSocket hub beside it, and Claude played by a loopback fake of Anthropic's streaming Messages API.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from aiohttp.test_utils import TestClient, TestServer
from trading.agent.v1 import agent_messages_pb2 as pb
from trading.agent.v1.agent_service_pb2_grpc import AgentServiceStub
from trading.auth.v1 import auth_messages_pb2 as apb
from trading.auth.v1.auth_service_pb2_grpc import AuthServiceStub

from app.migrate import migrate
from app.registry import load_specs
from app.runtime import Runtime, make_context
from core.service import ServiceContext
from core.settings import Settings
from edge import create_app
from edge.channels import AgentChatOwners
from svc_education.config import EducationSettings
from svc_education.seed import seed_demo_courses
from svc_inference.registry import ArtifactStore, Registry
from svc_market.config import MarketSettings
from svc_market.wiring import bootstrap_market
from tests.agent.fake_anthropic import FakeAnthropic, start_fake
from tests.conftest import drop_service_schemas
from tests.mailbox import verify_email

SYMBOL = "BTCUSD"  # trades every day, so no test depends on the time of the week
SERVICES = ["auth", "market", "inference", "broker", "education", "agent"]
Metadata = tuple[tuple[str, str], ...]


@pytest.fixture(scope="session")
def signal_models() -> Any:
    """One small range + TP/SL model set, trained once, registered in each platform's registry."""
    from svc_inference.export import export_bundle
    from svc_inference.training import TrainParams, train_models
    from tests.simulated_bars import simulate_bars

    params = TrainParams(horizon=18, n_estimators=30, max_depth=3, early_stopping_rounds=5, n_jobs=1)
    trained = train_models(simulate_bars(2500, seed=7), params)
    return trained, export_bundle(trained)


@dataclass
class Platform:
    ctx: ServiceContext
    runtime: Runtime
    channel: grpc.aio.Channel
    edge: TestClient

    @property
    def agent(self) -> AgentServiceStub:
        return AgentServiceStub(self.channel)

    async def register(
        self, email: str, first_name: str = "Tess", verified: bool = False
    ) -> tuple[str, Metadata]:
        """A new user's id and token; `verified`: after following the mailed link (money moves)."""
        registered = await AuthServiceStub(self.channel).Register(
            apb.RegisterRequest(
                email=email, password="a long passphrase 1", first_name=first_name, last_name="T"
            )
        )
        if verified:
            refresh = registered.tokens.refresh_token
            md = await verify_email(self.channel, self.ctx.settings.data_dir, email, refresh)
            return registered.user.id, md
        return registered.user.id, (("authorization", f"Bearer {registered.tokens.access_token}"),)

    def token_for(self, user_id: str, plan: str = "free") -> Metadata:
        token = self.ctx.keys.sign_access_token({"sub": user_id, "plan": plan})
        return (("authorization", f"Bearer {token}"),)

    async def chat(
        self, md: Metadata, message: str, conversation_id: str | None = None
    ) -> list[pb.ChatResponse]:
        request = pb.ChatRequest(message=message)
        if conversation_id:
            request.conversation_id = conversation_id
        return [item async for item in self.agent.Chat(request, metadata=md, timeout=60)]


PlatformFactory = Callable[..., Awaitable[Platform]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    server = FakeAnthropic()
    runner = await start_fake(server)
    yield server
    await runner.cleanup()


@pytest.fixture
async def make_platform(
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    fake: FakeAnthropic,
    signal_models: Any,
) -> AsyncIterator[PlatformFactory]:
    """`platform = await make_platform(claude=True, **agent_env)`; a second call on the same test
    starts the platform again on the same database and data (a restart)."""
    started: list[Platform] = []
    for name, value in {
        "TRADING_MARKET_DEMO_SYMBOLS": f'["{SYMBOL}"]',
        "TRADING_MARKET_DEMO_DAYS": "3",
        "TRADING_MARKET_TICKER_SYMBOLS": f'["{SYMBOL}"]',
        "TRADING_MARKET_STREAM_INTERVAL_S": "0.05",
        "TRADING_INFERENCE_ACTIVE_SYMBOLS": f'["{SYMBOL}"]',
        "TRADING_INFERENCE_PREFER_GPU": "false",
        "TRADING_AUTH_ARGON2_MEMORY_KIB": "256",
        "TRADING_AUTH_ARGON2_TIME_COST": "1",
        "TRADING_AGENT_ANTHROPIC_MAX_RETRIES": "0",
        "TRADING_AGENT_ANTHROPIC_TIMEOUT_S": "20",
    }.items():
        monkeypatch.setenv(name, value)

    async def make(*, claude: bool = True, **agent_env: str) -> Platform:
        if claude:
            monkeypatch.setenv("TRADING_AGENT_ANTHROPIC_API_KEY", "sk-ant-test-key")
            monkeypatch.setenv("TRADING_AGENT_ANTHROPIC_BASE_URL", fake.url)
        else:
            monkeypatch.delenv("TRADING_AGENT_ANTHROPIC_API_KEY", raising=False)
        for name, value in agent_env.items():
            monkeypatch.setenv(f"TRADING_AGENT_{name.upper()}", value)
        settings = Settings(data_dir=tmp_path / "data", grpc_port=0, database_url=database_url)
        specs = load_specs(SERVICES)
        if not started:
            await asyncio.to_thread(drop_service_schemas, database_url, specs)
        await asyncio.to_thread(migrate, settings, specs)
        ctx = make_context(settings)
        if not started:
            await bootstrap_market(ctx, MarketSettings())
            await _register_models(ctx, signal_models)
            await seed_demo_courses(ctx, EducationSettings())
        runtime = Runtime(ctx, specs, "test")
        port = await runtime.start("127.0.0.1:0")
        owners = AgentChatOwners(ctx.clients.stub(AgentServiceStub, "agent"), ctx.clock)
        app = create_app(
            settings, ctx.bus, ctx.keys, ctx.clients.channel, chat_owner=owners, web_root=tmp_path / "no-web"
        )
        edge = TestClient(TestServer(app))
        await edge.start_server()
        platform = Platform(ctx, runtime, grpc.aio.insecure_channel(f"127.0.0.1:{port}"), edge)
        started.append(platform)
        return platform

    yield make
    for platform in started:
        await stop(platform)


async def stop(platform: Platform) -> None:
    if platform.edge.server.runner is not None and platform.edge.server.runner.server is not None:
        await platform.edge.close()
    await platform.channel.close()
    await platform.runtime.stop(grace_s=0)


async def _register_models(ctx: ServiceContext, signal_models: Any) -> None:
    trained, bundle = signal_models
    registry = Registry(ctx.db, ArtifactStore(ctx.settings.data_dir / "models"))
    record = await registry.register(
        symbol=SYMBOL, timeframe="5m", trained=trained, bundle=bundle, now=ctx.clock.now()
    )
    await registry.promote(record.name, record.version, now=ctx.clock.now(), force=True)


def text_of(items: list[pb.ChatResponse]) -> str:
    return "".join(i.text_delta for i in items if i.WhichOneof("event") == "text_delta")


def kinds(items: list[pb.ChatResponse]) -> list[str]:
    return [str(i.WhichOneof("event")) for i in items]
