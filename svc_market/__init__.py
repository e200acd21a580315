"""Market data: symbols, bars, candles, provider sync, live prices, watchlists, indicators, spreads."""

from __future__ import annotations

from pathlib import Path

from core.service import BuiltService, ServiceContext, ServiceSpec
from svc_market.config import MarketSettings
from svc_market.models import Base


async def build(ctx: ServiceContext, settings: MarketSettings) -> BuiltService:
    from svc_market.wiring import build_market  # imported on demand: loading the spec stays light

    return await build_market(ctx, settings)


async def bootstrap(ctx: ServiceContext, settings: MarketSettings) -> None:
    from svc_market.wiring import bootstrap_market

    await bootstrap_market(ctx, settings)


SERVICE = ServiceSpec(
    name="market",
    grpc_services=["trading.market.v1.MarketService", "trading.market.v1.MarketDataService"],
    metadata=[Base.metadata],
    migrations=Path(__file__).parent / "migrations",
    build=build,
    settings=MarketSettings,
    bootstrap=bootstrap,
)
