"""Assistant views to and from the contract's messages."""

from __future__ import annotations

import json

from trading.agent.v1 import agent_messages_pb2 as pb
from trading.common.v1.paging_pb2 import PageResponse

from core.convert import timestamp
from svc_agent.assistant import (
    ReplyCompleted,
    ReplyEvent,
    ReplyText,
    ToolCallFinished,
    ToolCallRecord,
    ToolCallStarted,
)
from svc_agent.conversations import ConversationPage, ConversationRecord, StoredMessage

ROLE_OUT = {"user": pb.MESSAGE_ROLE_USER, "assistant": pb.MESSAGE_ROLE_ASSISTANT}
STOP_OUT = {
    "end_turn": pb.STOP_REASON_END_TURN,
    "max_tokens": pb.STOP_REASON_MAX_TOKENS,
    "tool_limit": pb.STOP_REASON_TOOL_LIMIT,
}


def tool_call_out(call: ToolCallRecord, with_output: bool) -> pb.ToolCall:
    return pb.ToolCall(
        id=call.id,
        name=call.name,
        input_json=_json(call.input),
        output_json=call.output_json if with_output else "",
        is_error=call.is_error if with_output else False,
    )


def chat_response(conversation_id: str, message_id: str, index: int, event: ReplyEvent) -> pb.ChatResponse:
    out = pb.ChatResponse(conversation_id=conversation_id, message_id=message_id, index=index)
    if isinstance(event, ReplyText):
        out.text_delta = event.text
    elif isinstance(event, ToolCallStarted):
        out.tool_call.CopyFrom(tool_call_out(event.call, with_output=False))
    elif isinstance(event, ToolCallFinished):
        out.tool_result.CopyFrom(tool_call_out(event.call, with_output=True))
    else:
        out.completed.CopyFrom(completed_out(event))
    return out


def completed_out(done: ReplyCompleted) -> pb.ChatCompleted:
    return pb.ChatCompleted(
        stop_reason=STOP_OUT.get(done.stop_reason, pb.STOP_REASON_END_TURN),
        model=done.model,
        input_tokens=done.input_tokens,
        output_tokens=done.output_tokens,
        tools_used=done.tools_used,
    )


def conversation_out(c: ConversationRecord) -> pb.Conversation:
    return pb.Conversation(
        id=c.id,
        title=c.title,
        message_count=c.message_count,
        last_message_preview=c.last_message_preview,
        created_at=timestamp(c.created_at),
        updated_at=timestamp(c.updated_at),
    )


def conversations_out(page: ConversationPage) -> pb.ListConversationsResponse:
    return pb.ListConversationsResponse(
        conversations=[conversation_out(c) for c in page.items],
        page=PageResponse(next_page_token=page.next_token),
    )


def message_out(m: StoredMessage) -> pb.ChatMessage:
    return pb.ChatMessage(
        id=m.id,
        conversation_id=m.conversation_id,
        role=ROLE_OUT.get(m.role, pb.MESSAGE_ROLE_UNSPECIFIED),
        content=m.content,
        tool_calls=[
            pb.ToolCall(
                id=str(c.get("id", "")),
                name=str(c.get("name", "")),
                input_json=_json(c.get("input", {})),
                output_json=str(c.get("output_json", "")),
                is_error=bool(c.get("is_error", False)),
            )
            for c in m.tool_calls
        ],
        created_at=timestamp(m.created_at),
    )


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)
