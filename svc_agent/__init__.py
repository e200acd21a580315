"""svc_agent: the trading assistant, Claude with tools over the platform's services, streaming,
with stored conversations and a template mode (seed 3.4, 4.1 LLM Agent, 5.2, 7.2, 9.1)."""

from __future__ import annotations

from pathlib import Path

from core.service import BuiltService, ServiceContext, ServiceSpec
from svc_agent.models import Base


async def build(ctx: ServiceContext) -> BuiltService:
    from svc_agent.wiring import build_agent

    return build_agent(ctx)


SERVICE = ServiceSpec(
    name="agent",
    grpc_services=["trading.agent.v1.AgentService"],
    metadata=[Base.metadata],
    migrations=Path(__file__).parent / "migrations",
    build=build,
)
