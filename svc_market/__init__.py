"""Market data: symbols, bars, candles, provider sync, live prices, watchlists, indicators, spreads.

The composition root builds `SETTINGS` (from the environment) and passes it to `make_spec`.
"""

from __future__ import annotations

import functools
from pathlib import Path

from core.service import BuiltService, ServiceContext, ServiceSpec
from svc_market.config import MarketSettings
from svc_market.models import Base

SETTINGS = MarketSettings


async def build(ctx: ServiceContext, settings: MarketSettings) -> BuiltService:
    from svc_market.wiring import build_market

    return await build_market(ctx, settings)


async def bootstrap(ctx: ServiceContext, settings: MarketSettings) -> None:
    from svc_market.wiring import bootstrap_market

    await bootstrap_market(ctx, settings)


def make_spec(settings: MarketSettings) -> ServiceSpec:
    """The service as the composition root runs it, with the settings it was given."""
    return ServiceSpec(
        name="market",
        grpc_services=("trading.market.v1.MarketService", "trading.market.v1.MarketDataService"),
        metadata=(Base.metadata,),
        migrations=Path(__file__).parent / "migrations",
        build=functools.partial(build, settings=settings),
        bootstrap=functools.partial(bootstrap, settings=settings),
    )
