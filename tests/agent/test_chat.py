"""Chat end to end: the real `anthropic` SDK against the loopback fake, tools run against the
real services as the user, the stream over gRPC and the same items on the WebSocket."""

from __future__ import annotations

import asyncio
import json

import grpc
import pytest
from trading.agent.v1 import agent_messages_pb2 as pb
from trading.broker.v1 import broker_messages_pb2 as bpb
from trading.broker.v1.broker_service_pb2_grpc import PaperTradingServiceStub
from trading.events.v1.events_envelope_pb2 import Event

from tests.agent.conftest import SYMBOL, Platform, kinds, text_of
from tests.agent.fake_anthropic import Failure, FakeAnthropic, Text, ToolCall, Turn

pytestmark = pytest.mark.slow


def tool_results(fake: FakeAnthropic, request: int) -> list[dict]:
    last = fake.received[request].body["messages"][-1]
    return [b for b in last["content"] if b.get("type") == "tool_result"]


async def ws_chat_items(platform: Platform, md, conversation_id: str, count: int) -> asyncio.Task:
    """Subscribe a WebSocket to chat:{id}; a task that collects `count` chat events."""
    token = dict(md)["authorization"].removeprefix("Bearer ")
    ws = await platform.edge.ws_connect("/ws", protocols=("trading.v1", f"bearer.{token}"))
    assert (await ws.receive_json(timeout=10))["type"] == "ready"
    await ws.send_json({"type": "subscribe", "channels": [f"chat:{conversation_id}"]})
    assert (await ws.receive_json(timeout=10))["type"] == "subscribed"

    async def collect() -> list[dict]:
        frames = []
        while len(frames) < count:
            frames.append(await ws.receive_json(timeout=30))
        await ws.close()
        return frames

    return asyncio.create_task(collect())


async def test_a_two_tool_answer_streams_text_tools_and_usage_and_the_websocket_sees_the_same(
    make_platform, fake: FakeAnthropic
) -> None:
    platform = await make_platform()
    _, md = await platform.register("tess@example.com", first_name="Tess")
    fake.script = [Turn([Text("Hello Tess, ask me about a market.")], input_tokens=50, output_tokens=9)]
    first = await platform.chat(md, "hola")
    conversation_id = first[0].conversation_id
    assert kinds(first) == ["text_delta"] * len(first[:-1]) + ["completed"]

    fake.script = [
        Turn(
            [
                Text("Let me look."),
                ToolCall("toolu_1", "get_ml_signal", {"symbol": SYMBOL, "horizon": 18}),
                ToolCall("toolu_2", "analyze_chart", {"symbol": SYMBOL, "timeframe": "1h"}),
            ],
            stop_reason="tool_use",
            input_tokens=300,
            output_tokens=40,
        ),
        Turn(
            [Text("BTCUSD: the model and the chart agree. Not financial advice.")],
            input_tokens=700,
            output_tokens=30,
        ),
    ]
    expected = 2 + 2 * 2 + 1  # "Let me look." and the answer in 2+ deltas, 2 calls + 2 results, completed
    watching = await ws_chat_items(platform, md, conversation_id, 0)
    watching.cancel()
    ws_task = await ws_chat_items(platform, md, conversation_id, 12)
    items = await platform.chat(md, "Analiza BTCUSD y dame una señal", conversation_id)
    assert len(items) >= expected

    assert {i.conversation_id for i in items} == {conversation_id}
    assert [i.index for i in items] == list(range(len(items)))
    assert kinds(items)[-1] == "completed"
    calls = [i.tool_call for i in items if i.WhichOneof("event") == "tool_call"]
    results = [i.tool_result for i in items if i.WhichOneof("event") == "tool_result"]
    assert [c.name for c in calls] == ["get_ml_signal", "analyze_chart"]
    assert json.loads(calls[0].input_json) == {"symbol": SYMBOL, "horizon": 18}
    assert not any(r.is_error for r in results), [r.output_json for r in results]
    signal = json.loads(results[0].output_json)["signal"]
    assert signal["symbol"] == SYMBOL
    assert signal["horizon"] == 18
    chart = json.loads(results[1].output_json)
    assert chart["symbol"] == SYMBOL
    assert chart["bars"] > 0
    assert "amd_phase" in chart
    done = items[-1].completed
    assert (done.input_tokens, done.output_tokens) == (1000, 70)
    assert list(done.tools_used) == ["get_ml_signal", "analyze_chart"]
    assert done.stop_reason == pb.STOP_REASON_END_TURN
    assert done.model == "claude-sonnet-5-5"
    assert text_of(items) == "Let me look.BTCUSD: the model and the chart agree. Not financial advice."

    # What Claude was sent: the key as x-api-key, the five tools, the profile, the history, the results.
    sent = fake.received[1]
    assert sent.headers["x-api-key"] == "sk-ant-test-key"
    assert {t["name"] for t in sent.body["tools"]} == {
        "get_ml_signal",
        "analyze_chart",
        "execute_paper_trade",
        "get_portfolio_status",
        "search_education",
    }
    assert "Tess" in sent.body["system"]
    assert "not financial advice" in sent.body["system"]
    assert [m["role"] for m in sent.body["messages"]] == ["user", "assistant", "user"]
    returned = tool_results(fake, 2)
    assert [r["tool_use_id"] for r in returned] == ["toolu_1", "toolu_2"]
    assert json.loads(returned[0]["content"]) == json.loads(results[0].output_json)

    # The WebSocket got the very same items, as llm_response_chunk events of chat:{id}.
    frames = await asyncio.wait_for(ws_task, 30)
    seen = []
    for frame in frames[: len(items)]:
        assert frame["type"] == "event"
        assert frame["channel"] == f"chat:{conversation_id}"
        event = Event()
        from google.protobuf import json_format

        json_format.ParseDict(frame["event"], event)
        assert event.type == "llm_response_chunk"
        seen.append(event.llm_response_chunk.response)
    assert seen == items[: len(frames)]


async def test_another_users_chat_channel_is_refused_on_the_websocket(
    make_platform, fake: FakeAnthropic
) -> None:
    platform = await make_platform(claude=False)
    _, owner = await platform.register("owner@example.com")
    items = await platform.chat(owner, "show my portfolio")
    conversation_id = items[0].conversation_id
    other = platform.token_for("someone-else")
    token = dict(other)["authorization"].removeprefix("Bearer ")
    ws = await platform.edge.ws_connect("/ws", protocols=("trading.v1", f"bearer.{token}"))
    assert (await ws.receive_json(timeout=10))["type"] == "ready"
    await ws.send_json({"type": "subscribe", "channels": [f"chat:{conversation_id}"]})
    refused = await ws.receive_json(timeout=10)
    assert (refused["type"], refused["reason"]) == ("error", "NOT_OWNER")
    await ws.close()


async def test_a_trade_waits_for_the_users_confirmation_and_runs_exactly_once(
    make_platform, fake: FakeAnthropic
) -> None:
    platform = await make_platform()
    _, md = await platform.register("trader@example.com")
    paper = PaperTradingServiceStub(platform.channel)
    fake.script = [
        Turn(
            [ToolCall("toolu_t", "execute_paper_trade", {"symbol": SYMBOL, "side": "buy", "amount": "0.01"})],
            stop_reason="tool_use",
        ),
        # The model (or text injected into what it read) claims the user confirmed: nothing runs.
        Turn([Text("The user said CONFIRM. Executed!")]),
    ]
    proposed = await platform.chat(md, "buy 0.01 BTCUSD")
    conversation_id = proposed[0].conversation_id
    result = json.loads(
        next(i.tool_result for i in proposed if i.WhichOneof("event") == "tool_result").output_json
    )
    assert result["status"] == "awaiting_confirmation"
    assert not (await paper.ListOrders(bpb.ListOrdersRequest(), metadata=md)).orders

    fake.script = [Turn([Text("Done: your paper order is filled.")])]
    for _ in range(300):  # the broker refuses orders until market's first quote reaches it
        confirmed = await platform.chat(md, "confirm", conversation_id)
        outcome = json.loads(
            next(i.tool_result for i in confirmed if i.WhichOneof("event") == "tool_result").output_json
        )
        if outcome.get("error") != "UNAVAILABLE":
            break
        fake.script = [Turn([Text("Not yet.")])]
        proposed_again = [
            ToolCall("toolu_r", "execute_paper_trade", {"symbol": SYMBOL, "side": "buy", "amount": "0.01"})
        ]
        fake.script = [Turn(proposed_again, stop_reason="tool_use"), Turn([Text("Reply confirm.")])]
        await platform.chat(md, "try again", conversation_id)
        fake.script = [Turn([Text("Done.")])]
        await asyncio.sleep(0.05)
    assert outcome["status"] == "executed", outcome
    orders = (await paper.ListOrders(bpb.ListOrdersRequest(), metadata=md)).orders
    assert len(orders) == 1
    assert orders[0].symbol == SYMBOL
    assert orders[0].status == bpb.ORDER_STATUS_FILLED
    # Claude read the executed order as the result of the confirmed call.
    assert json.loads(tool_results(fake, len(fake.received) - 1)[0]["content"])["status"] == "executed"

    fake.script = [Turn([Text("There is nothing to confirm.")])]
    again = await platform.chat(md, "confirm", conversation_id)
    assert "tool_result" not in kinds(again)
    assert len((await paper.ListOrders(bpb.ListOrdersRequest(), metadata=md)).orders) == 1


async def test_claude_failing_falls_back_to_templates_that_still_call_the_tools_and_charge_nothing(
    make_platform, fake: FakeAnthropic
) -> None:
    platform = await make_platform(breaker_failures="10")
    user_id, md = await platform.register("fallback@example.com")
    fake.script = [Failure(529), Failure(500, "api_error"), Failure(529)]
    items = await platform.chat(md, "analyze BTCUSD 1h chart")
    assert "Template mode" in text_of(items)
    assert [i.tool_call.name for i in items if i.WhichOneof("event") == "tool_call"] == ["analyze_chart"]
    assert items[-1].completed.model == "template"
    assert "AMD phase" in text_of(items)
    assert await platform.ctx.kv.get(f"quota:agent_chat:{user_id}") in (None, b"0")

    # A service that is not served answers as a tool error, never as a failed call.
    portfolio = await platform.chat(md, "show my portfolio", items[0].conversation_id)
    result = json.loads(
        next(i.tool_result for i in portfolio if i.WhichOneof("event") == "tool_result").output_json
    )
    assert "paper_account" in result
    assert result["investment_accounts"] == []
    lessons = await platform.chat(md, "find a lesson about stop loss", items[0].conversation_id)
    [searched] = [i.tool_result for i in lessons if i.WhichOneof("event") == "tool_result"]
    assert not searched.is_error, searched.output_json
    found = json.loads(searched.output_json)["results"]
    assert found
    assert f"- {found[0]['lesson_title']} ({found[0]['course_title']})" in text_of(lessons)
    # A bad tool input the model invents is a tool error too.
    fake.script = [
        Turn(
            [ToolCall("toolu_b", "execute_paper_trade", {"symbol": SYMBOL, "side": "buy", "amount": "-5"})],
            stop_reason="tool_use",
        ),
        Turn([Text("That amount cannot be traded.")]),
    ]
    bad = await platform.chat(md, "buy minus five", items[0].conversation_id)
    [refused] = [i.tool_result for i in bad if i.WhichOneof("event") == "tool_result"]
    assert refused.is_error
    assert json.loads(refused.output_json)["error"] == "BAD_INPUT"
    assert await platform.ctx.kv.get(f"quota:agent_chat:{user_id}") == b"1"  # only Claude's answer counts


async def test_the_breaker_opens_after_failures_and_claude_is_not_asked_until_it_resets(
    make_platform, fake: FakeAnthropic
) -> None:
    platform = await make_platform(breaker_failures="2", breaker_reset_s="600")
    _, md = await platform.register("breaker@example.com")
    fake.script = [Failure(500, "api_error"), Failure(500, "api_error")]
    for _ in range(2):
        assert "Template mode" in text_of(await platform.chat(md, "my portfolio"))
    fake.script = [Turn([Text("I am back.")])]
    third = await platform.chat(md, "my portfolio")
    assert "Template mode" in text_of(third)
    assert third[-1].completed.model == "template"
    assert len(fake.received) == 2
    assert fake.script  # the open circuit kept the third call away


async def test_a_client_that_leaves_mid_stream_stops_the_claude_call_and_what_was_said_is_kept(
    make_platform, fake: FakeAnthropic
) -> None:
    platform = await make_platform()
    _, md = await platform.register("leaver@example.com")
    fake.script = [Turn([Text("First words and then a very long tail")], hold_after_first_delta=True)]
    call = platform.agent.Chat(pb.ChatRequest(message="tell me a long story"), metadata=md, timeout=60)
    first = await call.read()
    call.cancel()
    await asyncio.wait_for(fake.disconnected.wait(), 30)
    conversation_id = first.conversation_id
    for _ in range(200):
        got = await platform.agent.GetConversation(pb.GetConversationRequest(id=conversation_id), metadata=md)
        if len(got.messages) == 2:
            break
        await asyncio.sleep(0.05)
    assert [m.role for m in got.messages] == [pb.MESSAGE_ROLE_USER, pb.MESSAGE_ROLE_ASSISTANT]
    assert got.messages[1].content == first.text_delta == "First "


async def test_empty_and_over_long_messages_are_invalid_and_change_nothing(make_platform) -> None:
    platform = await make_platform(claude=False)
    _, md = await platform.register("bad@example.com")
    for message in ("", "x" * 8001):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await platform.chat(md, message)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    listed = await platform.agent.ListConversations(pb.ListConversationsRequest(), metadata=md)
    assert not listed.conversations


async def test_the_free_plan_gets_ten_answered_messages_a_day_and_failed_ones_are_free(
    make_platform, fake: FakeAnthropic
) -> None:
    platform = await make_platform(breaker_failures="100", messages_per_minute="100")
    md = platform.token_for("free-user", plan="free")
    fake.script = [Failure(500, "api_error")] + [Turn([Text(f"answer {n}")]) for n in range(10)]
    conversation_id = None
    for n in range(11):  # the first is answered by the templates: not counted
        items = await platform.chat(md, f"question {n}", conversation_id)
        conversation_id = items[0].conversation_id
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await platform.chat(md, "one more", conversation_id)
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert len(fake.received) == 11  # the refused message never reached Claude

    premium = platform.token_for("premium-user", plan="premium")
    fake.script = [Turn([Text("premium answer")]) for _ in range(12)]
    for n in range(12):
        assert text_of(await platform.chat(premium, f"q {n}")) == "premium answer"


async def test_a_reply_is_bounded_in_tool_rounds(make_platform, fake: FakeAnthropic) -> None:
    platform = await make_platform(max_rounds="2")
    _, md = await platform.register("looper@example.com")
    again = Turn([ToolCall("toolu_p", "get_portfolio_status", {})], stop_reason="tool_use")
    fake.script = [again, again, Turn([Text("never asked")])]
    items = await platform.chat(md, "check my portfolio forever")
    assert kinds(items).count("tool_result") == 2
    assert items[-1].completed.stop_reason == pb.STOP_REASON_TOOL_LIMIT
    assert len(fake.received) == 2


async def test_a_reply_is_bounded_in_output_tokens(make_platform, fake: FakeAnthropic) -> None:
    platform = await make_platform(max_output_tokens="50")
    _, md = await platform.register("talker@example.com")
    chart = Turn(
        [ToolCall("toolu_k", "analyze_chart", {"symbol": SYMBOL})], stop_reason="tool_use", output_tokens=50
    )
    fake.script = [chart, Turn([Text("never asked")])]
    items = await platform.chat(md, "analyze BTCUSD")
    assert items[-1].completed.stop_reason == pb.STOP_REASON_MAX_TOKENS
    assert len(fake.received) == 1
    assert fake.received[0].body["max_tokens"] == 50


async def test_messages_per_minute_are_limited_and_a_refused_one_costs_no_daily_quota(make_platform) -> None:
    platform = await make_platform(claude=False, messages_per_minute="2")
    user_id = "hasty-user"
    md = platform.token_for(user_id)
    for n in range(2):
        await platform.chat(md, f"help {n}")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await platform.chat(md, "help again")
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert dict(refused.value.trailing_metadata() or ())["retry-after"]
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await platform.chat(platform.token_for("other-user"), "hi", "7c9e6679-7425-40de-944b-e07fc1f90ae7")
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    assert await platform.ctx.kv.get(f"quota:agent_chat:{user_id}") == b"0"
    assert await platform.ctx.kv.get("quota:agent_chat:other-user") == b"0"
