"""The LLM agent: a trading assistant with tools over the platform's services (seed 3.4, 4.1 LLM Agent)."""

from __future__ import annotations

from trading.agent.v1 import agent_service_pb2_grpc

from core.service import BuiltService, ServiceContext, ServiceSpec
from svc_agent.service import AgentServicer


async def build(ctx: ServiceContext) -> BuiltService:
    return BuiltService(
        servicers=[(agent_service_pb2_grpc.add_AgentServiceServicer_to_server, AgentServicer())]
    )


SERVICE = ServiceSpec(
    name="agent",
    grpc_services=["trading.agent.v1.AgentService"],
    metadata=[],
    migrations=None,
    build=build,
)
