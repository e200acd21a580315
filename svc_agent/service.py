"""The agent servicer: proto in, the assistant or the conversation store, proto out. The caller's
conversations are always their own (the principal's subject)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeAlias

import grpc
from trading.agent.v1 import agent_messages_pb2 as pb
from trading.agent.v1 import agent_service_pb2_grpc

from core.principal import current_principal
from svc_agent import convert
from svc_agent.assistant import Assistant
from svc_agent.chat_events import ChatPublisher
from svc_agent.conversations import ConversationStore

Ctx: TypeAlias = grpc.aio.ServicerContext


def _user() -> str:
    return current_principal().require_user()


class AgentServicer(agent_service_pb2_grpc.AgentServiceServicer):
    def __init__(self, assistant: Assistant, store: ConversationStore, publisher: ChatPublisher) -> None:
        self._assistant = assistant
        self._store = store
        self._publisher = publisher

    async def Chat(self, request: pb.ChatRequest, context: Ctx) -> AsyncIterator[pb.ChatResponse]:
        conversation_id = request.conversation_id if request.HasField("conversation_id") else None
        reply = await self._assistant.start(current_principal(), request.message, conversation_id)
        index = 0
        async for event in reply.events():
            item = convert.chat_response(reply.conversation_id, reply.message_id, index, event)
            await self._publisher.publish(item)
            yield item
            index += 1

    async def ListConversations(
        self, request: pb.ListConversationsRequest, context: Ctx
    ) -> pb.ListConversationsResponse:
        page = await self._store.page(_user(), request.page.page_size, request.page.page_token)
        return convert.conversations_out(page)

    async def GetConversation(
        self, request: pb.GetConversationRequest, context: Ctx
    ) -> pb.GetConversationResponse:
        conversation = await self._store.owned(request.id, _user())
        messages = await self._store.messages(conversation.id)
        return pb.GetConversationResponse(
            conversation=convert.conversation_out(conversation),
            messages=[convert.message_out(m) for m in messages],
        )

    async def DeleteConversation(
        self, request: pb.DeleteConversationRequest, context: Ctx
    ) -> pb.DeleteConversationResponse:
        await self._store.delete(request.id, _user())
        return pb.DeleteConversationResponse(deleted=True)

    async def CheckConversationAccess(
        self, request: pb.CheckConversationAccessRequest, context: Ctx
    ) -> pb.CheckConversationAccessResponse:
        allowed = await self._store.may_see(request.conversation_id, request.user_id)
        return pb.CheckConversationAccessResponse(allowed=allowed)
