"""The ML engine (seed 3.2, 4.1 ML Proxy, 4.2): predictions, signals, model registry and serving."""

from __future__ import annotations

from pathlib import Path

from core.service import BuiltService, ServiceContext, ServiceSpec
from svc_inference.config import InferenceSettings
from svc_inference.models import Base


async def build(ctx: ServiceContext, settings: InferenceSettings) -> BuiltService:
    from svc_inference import wiring  # imported on demand: loading the spec stays light

    return await wiring.build(ctx, settings)


async def bootstrap(ctx: ServiceContext, settings: InferenceSettings) -> None:
    from svc_inference.bootstrap import bootstrap as train_first_models

    await train_first_models(ctx, settings)


SERVICE = ServiceSpec(
    name="inference",
    grpc_services=["trading.inference.v1.InferenceService"],
    metadata=[Base.metadata],
    migrations=Path(__file__).parent / "migrations",
    build=build,
    settings=InferenceSettings,
    bootstrap=bootstrap,
)
