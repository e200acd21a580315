"""Billing: plans, Stripe subscriptions and the wallet ledger (seed 3.3, 4.1 Payments)."""

from __future__ import annotations

from trading.billing.v1 import billing_service_pb2_grpc

from core.service import BuiltService, ServiceContext, ServiceSpec
from svc_billing.service import BillingServicer


async def build(ctx: ServiceContext) -> BuiltService:
    return BuiltService(
        servicers=[(billing_service_pb2_grpc.add_BillingServiceServicer_to_server, BillingServicer())]
    )


SERVICE = ServiceSpec(
    name="billing",
    grpc_services=["trading.billing.v1.BillingService"],
    metadata=[],
    migrations=None,
    build=build,
)
