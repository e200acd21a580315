"""Assembles svc_agent from a ServiceContext: Claude when a key is set, the templates otherwise
(and whenever Claude fails), the tools over the platform's gRPC clients."""

from __future__ import annotations

from functools import partial

from trading.agent.v1 import agent_service_pb2_grpc

from core.account_deletion import AccountDeletions
from core.breaker import BreakerConfig, CircuitBreaker
from core.service import BuiltService, ServiceContext
from svc_agent.adapters.anthropic import LanguageModel
from svc_agent.adapters.anthropic.claude import ClaudeModel
from svc_agent.adapters.anthropic.template import TemplateModel
from svc_agent.assistant import Assistant
from svc_agent.chat_events import ChatPublisher
from svc_agent.config import AgentSettings
from svc_agent.confirmations import ProposalBook
from svc_agent.conversations import ConversationStore
from svc_agent.erasure import erase_conversations
from svc_agent.gateway import GrpcServices
from svc_agent.quota import ChatQuota
from svc_agent.service import AgentServicer
from svc_agent.tools import Toolbox


def language_model(settings: AgentSettings, ctx: ServiceContext) -> LanguageModel:
    key = settings.anthropic_api_key.get_secret_value() if settings.anthropic_api_key else ""
    if not key:
        return TemplateModel()
    breaker = CircuitBreaker(
        "anthropic",
        BreakerConfig(
            failure_threshold=settings.breaker_failures,
            timeout_s=settings.anthropic_timeout_s,
            reset_s=settings.breaker_reset_s,
        ),
        ctx.clock,
    )
    return ClaudeModel(
        key,
        settings.model,
        breaker,
        base_url=settings.anthropic_base_url,
        max_retries=settings.anthropic_max_retries,
        timeout_s=settings.anthropic_timeout_s,
    )


async def build(ctx: ServiceContext, settings: AgentSettings) -> BuiltService:
    store = ConversationStore(ctx.db, ctx.clock, settings.default_page_size)
    proposals = ProposalBook(ctx.db, ctx.clock, settings.proposal_ttl_s)
    services = GrpcServices(ctx.clients, settings.tool_deadline_s)
    model = language_model(settings, ctx)
    assistant = Assistant(
        store=store,
        proposals=proposals,
        toolbox=Toolbox(services, proposals),
        services=services,
        model=model,
        fallback=TemplateModel(),
        quota=ChatQuota(ctx.kv, settings.messages_per_minute),
        settings=settings,
        clock=ctx.clock,
    )
    servicer = AgentServicer(assistant, store, ChatPublisher(ctx.bus, ctx.clock))

    async def close() -> None:
        if isinstance(model, ClaudeModel):
            await model.close()

    deletions = AccountDeletions(ctx.bus, "agent", partial(erase_conversations, ctx.db))
    return BuiltService(
        servicers=[(agent_service_pb2_grpc.add_AgentServiceServicer_to_server, servicer)],
        background=[deletions.run],
        close=close,
    )
