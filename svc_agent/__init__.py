"""svc_agent: the trading assistant, Claude with tools over the platform's services, streaming,
with stored conversations and a template mode (seed 3.4, 4.1 LLM Agent, 5.2, 7.2, 9.1)."""

from __future__ import annotations

from pathlib import Path

from core.service import BuiltService, ServiceContext, ServiceSpec
from svc_agent.config import AgentSettings
from svc_agent.models import Base


async def build(ctx: ServiceContext, settings: AgentSettings) -> BuiltService:
    from svc_agent import wiring  # imported on demand: loading the spec stays light

    return await wiring.build(ctx, settings)


SERVICE = ServiceSpec(
    name="agent",
    grpc_services=["trading.agent.v1.AgentService"],
    metadata=[Base.metadata],
    migrations=Path(__file__).parent / "migrations",
    build=build,
    settings=AgentSettings,
)
