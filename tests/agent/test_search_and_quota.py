"""The search_education tool against the real EducationService (the demo courses seeded), and the
chat quota: one charge per answered message, one give-back per failed or template-answered one."""

from __future__ import annotations

import json

import grpc
import pytest
from trading.agent.v1 import agent_messages_pb2 as pb

from tests.agent.conftest import Platform, text_of
from tests.agent.fake_anthropic import Failure, FakeAnthropic, Text, ToolCall, Turn

pytestmark = pytest.mark.slow
RISK_COURSE = "risk-management-in-r-multiples"


def results_of(items: list[pb.ChatResponse]) -> list[pb.ToolCall]:
    return [i.tool_result for i in items if i.WhichOneof("event") == "tool_result"]


async def used(platform: Platform, user_id: str) -> int:
    raw = await platform.ctx.kv.get(f"quota:agent_chat:{user_id}")
    return int(raw or b"0")


async def test_search_education_finds_the_demo_lessons_and_claude_is_sent_the_hits(
    make_platform, fake: FakeAnthropic
) -> None:
    platform = await make_platform()
    _, md = await platform.register("learner@example.com")
    fake.script = [
        Turn(
            [ToolCall("toolu_s", "search_education", {"query": "position sizing risk"})],
            stop_reason="tool_use",
        ),
        Turn([Text("Start with the risk course.")]),
    ]
    items = await platform.chat(md, "What should I read about position sizing?")
    [found] = results_of(items)
    assert not found.is_error, found.output_json
    hits = json.loads(found.output_json)["results"]
    assert 1 <= len(hits) <= 5
    assert {"lesson_id", "lesson_title", "course_slug", "course_title", "snippet"} <= set(hits[0])
    assert RISK_COURSE in {h["course_slug"] for h in hits}
    assert text_of(items) == "Start with the risk course."
    # Claude got the very hits as the tool's result.
    sent = [b for b in fake.received[1].body["messages"][-1]["content"] if b.get("type") == "tool_result"]
    assert json.loads(sent[0]["content"])["results"] == hits


async def test_search_education_with_no_match_is_an_empty_result_not_an_error(
    make_platform, fake: FakeAnthropic
) -> None:
    platform = await make_platform()
    _, md = await platform.register("nomatch@example.com")
    fake.script = [
        Turn([ToolCall("toolu_n", "search_education", {"query": "zyzzyva"})], stop_reason="tool_use"),
        Turn([Text("Nothing on that yet.")]),
    ]
    [found] = results_of(await platform.chat(md, "lessons on zyzzyva"))
    assert not found.is_error
    assert json.loads(found.output_json) == {"results": []}


async def test_the_quota_is_charged_once_per_answer_and_given_back_once_per_failed_call(
    make_platform, fake: FakeAnthropic
) -> None:
    platform = await make_platform(breaker_failures="100", messages_per_minute="100")
    user_id, md = await platform.register("counted@example.com")
    _, other_md = await platform.register("other@example.com")
    fake.script = [Turn([Text("one")]), Turn([Text("two")])]
    first = await platform.chat(md, "first")
    conversation_id = first[0].conversation_id
    assert await used(platform, user_id) == 1
    await platform.chat(md, "second", conversation_id)
    assert await used(platform, user_id) == 2

    # A failed call (another user's conversation) is given back once: the count stays, never drops.
    fake.script = [Turn([Text("never sent")])]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await platform.chat(other_md, "not yours", conversation_id)
    assert refused.value.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED)
    assert await used(platform, user_id) == 2
    # Invalid input fails before the handler: given back once too.
    with pytest.raises(grpc.aio.AioRpcError):
        await platform.chat(md, "", conversation_id)
    assert await used(platform, user_id) == 2

    # Claude failing: the templates answer; the served call is given back once, here, not twice.
    fake.script = [Failure(500, "api_error")]
    assert "Template mode" in text_of(await platform.chat(md, "my portfolio", conversation_id))
    assert await used(platform, user_id) == 2

    fake.script = [Turn([Text("three")])]
    await platform.chat(md, "third", conversation_id)
    assert await used(platform, user_id) == 3
