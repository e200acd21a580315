"""Conversations are the user's own, stored with every message, tool call and token count,
listed newest first, deleted for good, and still there after a restart."""

from __future__ import annotations

import json

import grpc
import pytest
from trading.agent.v1 import agent_messages_pb2 as pb

from tests.agent.conftest import SYMBOL, stop
from tests.agent.fake_anthropic import FakeAnthropic, Text, ToolCall, Turn

pytestmark = pytest.mark.slow
MISSING = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


async def test_conversations_are_stored_listed_survive_a_restart_and_are_deleted(
    make_platform, fake: FakeAnthropic
) -> None:
    platform = await make_platform()
    _, md = await platform.register("keeper@example.com")
    fake.script = [
        Turn(
            [ToolCall("toolu_c", "analyze_chart", {"symbol": SYMBOL, "timeframe": "4h"})],
            stop_reason="tool_use",
            input_tokens=120,
            output_tokens=15,
        ),
        Turn([Text("BTCUSD on 4h looks calm.")], input_tokens=400, output_tokens=12),
    ]
    first = await platform.chat(md, "How does the BTCUSD chart look?")
    fake.script = [Turn([Text("A second reply.")], input_tokens=10, output_tokens=3)]
    second = await platform.chat(md, "and now something else")
    await stop(platform)

    platform = await make_platform()  # a restart: same database, same data directory
    listed = await platform.agent.ListConversations(pb.ListConversationsRequest(), metadata=md)
    # (SQLite keeps whole seconds, so two conversations of one second may list in either order.)
    titles = {c.id: c.title for c in listed.conversations}
    assert titles == {
        first[0].conversation_id: "How does the BTCUSD chart look?",
        second[0].conversation_id: "and now something else",
    }
    got = await platform.agent.GetConversation(
        pb.GetConversationRequest(id=first[0].conversation_id), metadata=md
    )
    user, assistant = got.messages
    assert (user.role, user.content) == (pb.MESSAGE_ROLE_USER, "How does the BTCUSD chart look?")
    assert assistant.role == pb.MESSAGE_ROLE_ASSISTANT
    assert assistant.id == first[0].message_id
    assert assistant.content == "BTCUSD on 4h looks calm."
    [call] = assistant.tool_calls
    assert call.name == "analyze_chart"
    assert json.loads(call.input_json) == {"symbol": SYMBOL, "timeframe": "4h"}
    assert json.loads(call.output_json)["timeframe"] == "4h"
    assert got.conversation.message_count == 2

    # Continuing after the restart sends the stored history to Claude.
    fake.script = [Turn([Text("Still here.")])]
    await platform.chat(md, "are you still there?", first[0].conversation_id)
    sent = fake.received[-1].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert "analyze_chart" in sent[1]["content"]

    # Another user's conversation is NOT_FOUND everywhere, exactly like a missing one.
    other = platform.token_for("intruder")
    for call_ in (
        platform.agent.GetConversation(
            pb.GetConversationRequest(id=first[0].conversation_id), metadata=other
        ),
        platform.agent.DeleteConversation(
            pb.DeleteConversationRequest(id=first[0].conversation_id), metadata=other
        ),
        platform.agent.GetConversation(pb.GetConversationRequest(id=MISSING), metadata=md),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call_
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await platform.chat(other, "let me in", first[0].conversation_id)
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    assert not (
        await platform.agent.ListConversations(pb.ListConversationsRequest(), metadata=other)
    ).conversations

    deleted = await platform.agent.DeleteConversation(
        pb.DeleteConversationRequest(id=first[0].conversation_id), metadata=md
    )
    assert deleted.deleted
    listed = await platform.agent.ListConversations(pb.ListConversationsRequest(), metadata=md)
    assert [c.id for c in listed.conversations] == [second[0].conversation_id]
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await platform.agent.GetConversation(
            pb.GetConversationRequest(id=first[0].conversation_id), metadata=md
        )
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND


async def test_conversations_page_through_every_one_once(make_platform) -> None:
    platform = await make_platform(claude=False)
    _, md = await platform.register("pager@example.com")
    ids = [(await platform.chat(md, f"help {n}"))[0].conversation_id for n in range(3)]
    page = await platform.agent.ListConversations(
        pb.ListConversationsRequest(page={"page_size": 2}), metadata=md
    )
    rest = await platform.agent.ListConversations(
        pb.ListConversationsRequest(page={"page_size": 2, "page_token": page.page.next_page_token}),
        metadata=md,
    )
    paged = [c.id for c in page.conversations] + [c.id for c in rest.conversations]
    assert sorted(paged) == sorted(ids)
    assert not rest.page.next_page_token
