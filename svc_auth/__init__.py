"""svc_auth: identity for the platform (seed 4.1 Autenticacion, 7.1, 8.1)."""

from __future__ import annotations

from pathlib import Path

from core.service import BuiltService, ServiceContext, ServiceSpec
from svc_auth.config import AuthSettings
from svc_auth.models import Base


async def build(ctx: ServiceContext, settings: AuthSettings) -> BuiltService:
    from svc_auth import wiring  # imported on demand: loading the spec stays light

    return await wiring.build(ctx, settings)


SERVICE = ServiceSpec(
    name="auth",
    grpc_services=["trading.auth.v1.AuthService"],
    metadata=[Base.metadata],
    migrations=Path(__file__).parent / "migrations",
    build=build,
    settings=AuthSettings,
)
