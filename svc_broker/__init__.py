"""Broker: paper trading (orders, fills at bid/ask, net positions, SL/TP, PnL) and investment
accounts run by trading agents on a venue behind the same Broker interface (seed 3.1, 4.1, 5.1,
5.2)."""

from __future__ import annotations

from pathlib import Path

from core.service import BuiltService, ServiceContext, ServiceSpec
from svc_broker.config import BrokerSettings
from svc_broker.investment.models import Base as InvestmentBase
from svc_broker.investment.models import Integration
from svc_broker.models import Base


async def build(ctx: ServiceContext, settings: BrokerSettings) -> BuiltService:
    from svc_broker import wiring  # imported on demand: loading the spec stays light

    return await wiring.build(ctx, settings)


SERVICE = ServiceSpec(
    name="broker",
    grpc_services=["trading.broker.v1.PaperTradingService", "trading.broker.v1.InvestmentService"],
    metadata=[Base.metadata, InvestmentBase.metadata, Integration.metadata],
    migrations=Path(__file__).parent / "migrations",
    build=build,
    settings=BrokerSettings,
)
