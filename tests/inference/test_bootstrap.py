"""The first start trains for every symbol market data lists (its instrument model, read over
gRPC from the real market servicer), and a listed symbol without enough bars, or with none, is
skipped with a warning instead of stopping the start."""

from __future__ import annotations

import logging

import pytest
from trading.market.v1 import market_service_pb2_grpc

from app.migrate import migrate
from app.runtime import make_context
from core.bus import InProcessBus
from core.clock import TestClock
from core.server import create_server
from core.settings import Settings
from svc_inference import SERVICE
from svc_inference.bootstrap import bootstrap
from svc_inference.config import InferenceSettings
from svc_inference.registry import ArtifactStore, Registry
from svc_market.catalogue import CATALOGUE
from svc_market.config import MarketSettings
from svc_market.demo_data import seed_demo_data
from svc_market.models import Base as MarketBase
from svc_market.service import MarketServicer
from svc_market.symbols import ensure_catalogue
from svc_market.wiring import make_market


async def test_the_first_start_asks_the_market_which_symbols_and_skips_those_without_bars(
    tmp_path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRADING_INFERENCE_ACTIVE_SYMBOLS", raising=False)
    clock = TestClock()
    settings = Settings(data_dir=tmp_path, grpc_host="127.0.0.1", grpc_port=0)
    migrate(settings, [SERVICE])
    ctx = make_context(settings, clock)
    await ctx.db.create_all([MarketBase.metadata])
    await ensure_catalogue(ctx.db)
    await seed_demo_data(ctx.db, clock, ["EURUSD"], days=1)  # bars, but too few to train on
    market = make_market(ctx.db, clock, MarketSettings(polygon_api_key=None), InProcessBus())
    server, port = await create_server(
        "127.0.0.1:0",
        [(market_service_pb2_grpc.add_MarketServiceServicer_to_server, MarketServicer(market))],
        ["trading.market.v1.MarketService"],
    )
    settings.service_addresses = {"market": f"127.0.0.1:{port}"}
    try:
        with caplog.at_level(logging.WARNING, logger="svc_inference.bootstrap"):
            await bootstrap(ctx, InferenceSettings())
        registry = Registry(ctx.db, ArtifactStore(tmp_path / "models"))
        assert await registry.champions() == []
        skipped = " ".join(r.getMessage() for r in caplog.records)
        for spec in CATALOGUE:
            assert f"{spec.symbol.lower()}_5m_h18" in skipped
        assert "not enough bars to train eurusd_5m_h18" in skipped
    finally:
        await server.stop(0)
        await ctx.clients.close()
        await ctx.db.dispose()
