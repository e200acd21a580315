"""svc_auth: identity for the platform (seed 4.1 Autenticacion, 7.1, 8.1)."""

from __future__ import annotations

from pathlib import Path

from core.service import BuiltService, ServiceContext, ServiceSpec
from svc_auth.models import Base


async def build(ctx: ServiceContext) -> BuiltService:
    from svc_auth.wiring import build_auth

    return build_auth(ctx)


SERVICE = ServiceSpec(
    name="auth",
    grpc_services=["trading.auth.v1.AuthService"],
    metadata=[Base.metadata],
    migrations=Path(__file__).parent / "migrations",
    build=build,
)
