"""Claude through the `anthropic` SDK: the streaming Messages API with tool use, behind a breaker.

Every failure to answer (an API error, a dropped connection, a timeout, the breaker open) is a
ModelUnavailable, so the assistant can fall back to its templates.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anthropic

from core.breaker import CircuitBreaker
from core.errors import Unavailable
from svc_agent.adapters.anthropic.interface import (
    ModelEvent,
    ModelUnavailable,
    TextDelta,
    ToolUse,
    TurnEnd,
    TurnRequest,
)

log = logging.getLogger(__name__)

# Anything the SDK raises (API errors, its HTTP transport's errors mid-stream, a malformed stream)
# means Claude did not answer; our own cancellation is a BaseException and passes through.
_FAILURES = (Exception,)


@dataclass
class _Block:
    """A content block being streamed: text, or a tool_use whose input arrives as JSON pieces."""

    type: str
    id: str = ""
    name: str = ""
    json_parts: list[str] = field(default_factory=list)


class ClaudeModel:
    """A LanguageModel on Anthropic's API. The key goes out as `x-api-key` (seed 7.1)."""

    def __init__(
        self,
        api_key: str,
        model: str,
        breaker: CircuitBreaker,
        *,
        base_url: str | None = None,
        max_retries: int = 1,
        timeout_s: float = 30.0,
    ) -> None:
        self._model = model
        self._breaker = breaker
        # This SDK sends the key as a bearer token; Anthropic's documented header (seed 7.1) goes too.
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=max_retries,
            timeout=timeout_s,
            default_headers={"x-api-key": api_key},
        )

    @property
    def name(self) -> str:
        return self._model

    async def close(self) -> None:
        await self._client.close()

    async def stream(self, request: TurnRequest) -> AsyncIterator[ModelEvent]:
        try:
            self._breaker.before_call()
        except Unavailable as open_circuit:
            raise ModelUnavailable(open_circuit.message, "CIRCUIT_OPEN") from open_circuit
        answered = False
        try:
            events: Any = await self._client.messages.create(
                model=self._model,
                max_tokens=request.max_tokens,
                system=request.system,
                messages=request.messages,  # type: ignore[arg-type]  # plain dicts of the documented shape
                tools=request.tools,  # type: ignore[arg-type]
                stream=True,
            )
            async with events:
                async for item in self._translate(events):
                    answered = True
                    yield item
        except _FAILURES as failure:
            self._breaker.record_failure()
            log.warning("claude failed", extra={"fields": {"error": type(failure).__name__}})
            raise ModelUnavailable(
                f"Claude did not answer: {type(failure).__name__}", _reason(failure)
            ) from None
        except BaseException:
            # Cancelled by our side (the client left): not Claude's fault once it had answered.
            if answered:
                self._breaker.record_success()
            else:
                self._breaker.record_failure()
            raise
        self._breaker.record_success()

    async def _translate(self, events: Any) -> AsyncIterator[ModelEvent]:
        blocks: dict[int, _Block] = {}
        input_tokens = output_tokens = 0
        stop_reason = ""
        async for event in events:
            kind = event.type
            if kind == "message_start":
                input_tokens = event.message.usage.input_tokens or 0
                output_tokens = event.message.usage.output_tokens or 0
            elif kind == "content_block_start":
                block = event.content_block
                blocks[event.index] = _Block(block.type, getattr(block, "id", ""), getattr(block, "name", ""))
            elif kind == "content_block_delta":
                delta = event.delta
                if delta.type == "text_delta" and delta.text:
                    yield TextDelta(delta.text)
                elif delta.type == "input_json_delta":
                    blocks[event.index].json_parts.append(delta.partial_json)
            elif kind == "content_block_stop":
                block = blocks.pop(event.index, None)
                if block is not None and block.type == "tool_use":
                    yield ToolUse(block.id, block.name, _tool_input(block))
            elif kind == "message_delta":
                stop_reason = event.delta.stop_reason or stop_reason
                output_tokens = event.usage.output_tokens or output_tokens
        if not stop_reason:
            raise ValueError("the stream ended without a stop reason")
        yield TurnEnd(stop_reason, input_tokens, output_tokens)


def _tool_input(block: _Block) -> dict[str, Any]:
    raw = "".join(block.json_parts).strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {"_unparsed": raw[:500]}
    return value if isinstance(value, dict) else {"_unparsed": raw[:500]}


def _reason(failure: BaseException) -> str:
    if isinstance(failure, anthropic.APITimeoutError | TimeoutError) or "Timeout" in type(failure).__name__:
        return "TIMEOUT"
    if isinstance(failure, anthropic.APIStatusError):
        return f"HTTP_{failure.status_code}"
    return "UNAVAILABLE"
