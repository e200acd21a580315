"""One contract for both LanguageModels: Claude (the real SDK against the loopback fake) and the
template twin. Asked for a signal, a turn ends in a tool_use of get_ml_signal; given the tool's
result, the next turn ends the reply with text."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from core.breaker import BreakerConfig, CircuitBreaker
from core.clock import TestClock
from svc_agent.adapters.anthropic import (
    LanguageModel,
    ModelUnavailable,
    TextDelta,
    ToolUse,
    TurnEnd,
    TurnRequest,
)
from svc_agent.adapters.anthropic.claude import ClaudeModel
from svc_agent.adapters.anthropic.template import TemplateModel
from svc_agent.tools import TOOL_SPECS
from tests.agent.fake_anthropic import Failure, FakeAnthropic, Text, ToolCall, Turn, start_fake

ASK = "give me the signal for EURUSD"
SIGNAL = {"signal": {"symbol": "EURUSD", "horizon": 18, "signal": "SIGNAL_DIRECTION_LONG", "entry": 1.1}}


@pytest.fixture(params=["claude", "template"])
async def model(request: pytest.FixtureRequest) -> AsyncIterator[tuple[LanguageModel, FakeAnthropic | None]]:
    if request.param == "template":
        yield TemplateModel(), None
        return
    fake = FakeAnthropic()
    runner = await start_fake(fake)
    fake.script = [
        Turn(
            [ToolCall("toolu_s", "get_ml_signal", {"symbol": "EURUSD", "horizon": 18})],
            stop_reason="tool_use",
        ),
        Turn([Text("EURUSD is LONG at 1.1.")]),
    ]
    breaker = CircuitBreaker("anthropic", BreakerConfig(2, 10, 60), TestClock())
    claude = ClaudeModel("sk-ant-test", "claude-sonnet-5-5", breaker, base_url=fake.url, max_retries=0)
    yield claude, fake
    await claude.close()
    await runner.cleanup()


async def turn(model: LanguageModel, messages: list[dict]) -> list:
    return [e async for e in model.stream(TurnRequest("system", messages, TOOL_SPECS, 256))]


async def test_a_signal_question_ends_in_a_tool_use_and_its_result_in_text(model) -> None:
    lm, _ = model
    first = await turn(lm, [{"role": "user", "content": ASK}])
    [use] = [e for e in first if isinstance(e, ToolUse)]
    assert (use.name, use.input["symbol"]) == ("get_ml_signal", "EURUSD")
    assert isinstance(first[-1], TurnEnd)
    assert first[-1].stop_reason == "tool_use"

    messages = [
        {"role": "user", "content": ASK},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": use.id, "name": use.name, "input": use.input}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": use.id, "content": json.dumps(SIGNAL)}],
        },
    ]
    second = await turn(lm, messages)
    assert "EURUSD" in "".join(e.text for e in second if isinstance(e, TextDelta))
    assert isinstance(second[-1], TurnEnd)
    assert second[-1].stop_reason == "end_turn"


async def test_claude_errors_are_model_unavailable_and_open_the_breaker() -> None:
    fake = FakeAnthropic(script=[Failure(529), Failure(500, "api_error")])
    runner = await start_fake(fake)
    clock = TestClock()
    breaker = CircuitBreaker("anthropic", BreakerConfig(2, 10, 60), clock)
    claude = ClaudeModel("sk-ant-test", "claude-sonnet-5-5", breaker, base_url=fake.url, max_retries=0)
    try:
        reasons = []
        for _ in range(3):
            with pytest.raises(ModelUnavailable) as failed:
                await turn(claude, [{"role": "user", "content": ASK}])
            reasons.append(failed.value.reason)
        assert reasons == ["HTTP_529", "HTTP_500", "CIRCUIT_OPEN"]
        assert len(fake.received) == 2
    finally:
        await claude.close()
        await runner.cleanup()


async def test_after_the_reset_time_one_trial_call_closes_the_breaker_again() -> None:
    fake = FakeAnthropic(script=[Failure(500, "api_error"), Failure(500, "api_error"), Turn([Text("back")])])
    runner = await start_fake(fake)
    clock = TestClock()
    breaker = CircuitBreaker("anthropic", BreakerConfig(2, 10, 60), clock)
    claude = ClaudeModel("sk-ant-test", "claude-sonnet-5-5", breaker, base_url=fake.url, max_retries=0)
    try:
        for _ in range(3):
            with pytest.raises(ModelUnavailable):
                await turn(claude, [{"role": "user", "content": ASK}])
        clock.advance(61)
        answered = await turn(claude, [{"role": "user", "content": ASK}])
        assert "".join(e.text for e in answered if isinstance(e, TextDelta)) == "back"
        assert breaker.state == "closed"
    finally:
        await claude.close()
        await runner.cleanup()


async def test_a_stalled_stream_times_out_as_model_unavailable_after_what_it_said() -> None:
    fake = FakeAnthropic(script=[Turn([Text("partial answer")], hold_after_first_delta=True)])
    runner = await start_fake(fake)
    breaker = CircuitBreaker("anthropic", BreakerConfig(5, 10, 60), TestClock())
    claude = ClaudeModel(
        "sk-ant-test", "claude-sonnet-5-5", breaker, base_url=fake.url, max_retries=0, timeout_s=0.5
    )
    seen: list = []

    async def read() -> None:
        request = TurnRequest("system", [{"role": "user", "content": ASK}], TOOL_SPECS, 64)
        async for event in claude.stream(request):
            seen.append(event)

    try:
        with pytest.raises(ModelUnavailable) as failed:
            await read()
        assert failed.value.reason == "TIMEOUT"
        assert seen == [TextDelta("partial ")]
    finally:
        await claude.close()
        await runner.cleanup()
