"""Market data: symbols, bars, candles, provider sync, live prices, watchlists, indicators, spreads."""

from __future__ import annotations

from pathlib import Path

from core.service import ServiceSpec
from svc_market.build import bootstrap, build
from svc_market.models import Base

SERVICE = ServiceSpec(
    name="market",
    grpc_services=("trading.market.v1.MarketService", "trading.market.v1.MarketDataService"),
    metadata=(Base.metadata,),
    migrations=Path(__file__).parent / "migrations",
    build=build,
    bootstrap=bootstrap,
)
