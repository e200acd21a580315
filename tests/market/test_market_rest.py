"""Candles through the real Envoy: REST + JSON (proto field names) transcoded to the market gRPC
service behind the chassis interceptor; the token is checked by Envoy's jwt_authn."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import aiohttp
import pytest
import pytest_asyncio
from trading.market.v1 import market_service_pb2_grpc as rpc

from app.envoy import render_envoy_config, running_envoy, write_envoy_config
from core.auth import Authenticator
from core.bus import InProcessBus
from core.clock import Clock, TestClock
from core.db import Database
from core.interceptor import ChassisInterceptor
from core.keys import KeyStore
from core.server import create_server
from svc_market.bar_store import load_bars
from svc_market.config import MarketSettings
from svc_market.demo_data import seed_demo_data
from svc_market.models import Base
from svc_market.service import MarketDataServicer, MarketServicer
from svc_market.symbols import get_symbol
from svc_market.wiring import make_market
from tests.envoy.gateway_harness import AUDIENCE, DESCRIPTOR, ISSUER, edge_server, free_port, gateway_settings

pytestmark = [pytest.mark.envoy, pytest.mark.asyncio(loop_scope="module")]
SERVICES = ["trading.market.v1.MarketService", "trading.market.v1.MarketDataService"]
NOW = datetime(2025, 1, 8, 12, tzinfo=UTC)
DAY = "2025-01-06T00:00:00Z"
NEXT_DAY = "2025-01-07T00:00:00Z"


class Stack:
    def __init__(self, url: str, keys: KeyStore, db: Database) -> None:
        self.url, self.keys, self.db = url, keys, db


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    workdir = tmp_path_factory.mktemp("market-rest")
    clock = Clock()
    keys = KeyStore.ephemeral(ISSUER, AUDIENCE, clock)
    db = Database(f"sqlite+aiosqlite:///{workdir}/db/main.sqlite")
    await db.create_all([Base.metadata])
    await seed_demo_data(db, TestClock(NOW), ["EURUSD"], days=5)
    bus = InProcessBus()
    market = make_market(db, clock, MarketSettings(demo_ticks=False), bus)  # the replay of stored bars
    async with AsyncExitStack() as exits:
        server, port = await create_server(
            "127.0.0.1:0",
            [
                (rpc.add_MarketServiceServicer_to_server, MarketServicer(market)),
                (rpc.add_MarketDataServiceServicer_to_server, MarketDataServicer(market)),
            ],
            SERVICES,
            interceptors=[ChassisInterceptor(Authenticator(keys, None), None)],
        )
        exits.push_async_callback(server.stop, 0)
        settings = gateway_settings(port, free_port())
        await exits.enter_async_context(edge_server(settings, bus, keys, workdir / "no-web"))  # serves JWKS
        config = write_envoy_config(
            render_envoy_config(settings, DESCRIPTOR, SERVICES), workdir / "envoy.yaml"
        )
        await exits.enter_async_context(
            running_envoy(
                config,
                random.randrange(10_000, 2_000_000),
                settings.envoy_admin_port,
                concurrency=1,
                log_path=workdir / "envoy.log",
            )
        )
        yield Stack(f"http://127.0.0.1:{settings.envoy_port}", keys, db)
    await market.hub.close()
    await bus.close()
    await db.dispose()


async def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        return response.status, json.loads(await response.text())


async def test_hourly_candles_come_back_as_snake_case_json(stack: Stack) -> None:
    token = stack.keys.sign_access_token({"sub": "u1", "roles": ["user"], "plan": "free"})
    status, body = await _get(
        f"{stack.url}/trading/candles/EURUSD?tf=1h&from={DAY}&to={NEXT_DAY}",
        {"authorization": f"Bearer {token}"},
    )
    assert status == 200, body
    assert body["symbol"] == "EURUSD"
    assert body["tf"] == "1h"
    candles = body["candles"]
    assert [c["time"] for c in candles] == [f"2025-01-06T{h:02d}:00:00Z" for h in range(24)]
    async with stack.db.session() as s:
        symbol_id = (await get_symbol(s, "EURUSD")).id
        base = await load_bars(s, symbol_id, 300, int(datetime(2025, 1, 6, tzinfo=UTC).timestamp()), None)
    first_hour = base.slice(0, 12)
    assert candles[0]["open"] == first_hour.open[0]
    assert candles[0]["close"] == first_hour.close[-1]
    assert candles[0]["high"] == first_hour.high.max()
    assert candles[0]["low"] == first_hour.low.min()
    assert candles[0]["volume"] == first_hour.volume.sum()
    freshness = body["freshness"]
    assert freshness["simulated"] is True
    assert {"last_bar_time", "age_seconds", "provider_available"} <= freshness.keys()


async def test_candles_without_a_token_are_401(stack: Stack) -> None:
    status, _ = await _get(f"{stack.url}/trading/candles/EURUSD?tf=1h&from={DAY}&to={NEXT_DAY}")
    assert status == 401
