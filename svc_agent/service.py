"""The agent servicer. Its contract is final; its logic arrives with the LLM agent issue."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from trading.agent.v1 import agent_messages_pb2 as pb
from trading.agent.v1 import agent_service_pb2_grpc

from core.errors import Unimplemented

PENDING = "arrives with the LLM agent issue"


class AgentServicer(agent_service_pb2_grpc.AgentServiceServicer):
    """Answers UNIMPLEMENTED on every RPC until the LLM agent issue fills it in."""

    async def Chat(
        self, request: pb.ChatRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ChatResponse]:
        raise Unimplemented(f"Chat {PENDING}")
        yield  # a server-streaming handler is an async generator

    async def ListConversations(
        self, request: pb.ListConversationsRequest, context: grpc.aio.ServicerContext
    ):
        raise Unimplemented(f"ListConversations {PENDING}")

    async def GetConversation(self, request: pb.GetConversationRequest, context: grpc.aio.ServicerContext):
        raise Unimplemented(f"GetConversation {PENDING}")

    async def DeleteConversation(
        self, request: pb.DeleteConversationRequest, context: grpc.aio.ServicerContext
    ):
        raise Unimplemented(f"DeleteConversation {PENDING}")
