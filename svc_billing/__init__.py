"""Billing: plans, Stripe checkout and subscriptions, the wallet ledger and Stripe webhooks
(seed 3.3, 4.1 Payments, 5.1, 9.1)."""

from __future__ import annotations

from pathlib import Path

from core.service import BuiltService, ServiceContext, ServiceSpec
from svc_billing.config import BillingSettings
from svc_billing.models import Base


async def build(ctx: ServiceContext, settings: BillingSettings) -> BuiltService:
    from svc_billing import wiring  # imported on demand: loading the spec stays light

    return await wiring.build(ctx, settings)


SERVICE = ServiceSpec(
    name="billing",
    grpc_services=["trading.billing.v1.BillingService"],
    metadata=[Base.metadata],
    migrations=Path(__file__).parent / "migrations",
    build=build,
    settings=BillingSettings,
)
