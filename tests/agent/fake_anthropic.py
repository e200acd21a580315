"""A loopback fake of Anthropic's Messages API that speaks its streaming wire format (SSE:
message_start, content_block_start / content_block_delta with text_delta and input_json_delta /
content_block_stop, message_delta with the stop reason and usage, message_stop), scripted per test.

Each POST /v1/messages takes the next scripted answer: a Turn (content blocks and a stop reason),
a Failure (an HTTP error in Anthropic's error shape), or a Turn with `hold_after_first_delta`,
which stops after the first text delta and waits until the client goes away.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class Turn:
    blocks: list[Text | ToolCall]
    stop_reason: str = "end_turn"
    input_tokens: int = 100
    output_tokens: int = 20
    hold_after_first_delta: bool = False


@dataclass(frozen=True)
class Failure:
    status: int = 529
    kind: str = "overloaded_error"


@dataclass
class Received:
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeAnthropic:
    script: list[Turn | Failure] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.received.append(Received({k.lower(): v for k, v in request.headers.items()}, body))
        if not self.script:
            return _error(500, "api_error", "the fake has no answer scripted")
        answer = self.script.pop(0)
        if isinstance(answer, Failure):
            return _error(answer.status, answer.kind, "scripted failure")
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        try:
            for name, data in _events(answer, body.get("model", "claude-test")):
                await response.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
                if answer.hold_after_first_delta and name == "content_block_delta":
                    await asyncio.Event().wait()  # until the client disconnects (cancels this handler)
        except (asyncio.CancelledError, ConnectionResetError):
            self.disconnected.set()
            raise
        await response.write_eof()
        return response


def _error(status: int, kind: str, message: str) -> web.Response:
    return web.json_response({"type": "error", "error": {"type": kind, "message": message}}, status=status)


def _events(turn: Turn, model: str) -> list[tuple[str, dict[str, Any]]]:
    usage = {"input_tokens": turn.input_tokens, "output_tokens": 1}
    message = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    out: list[tuple[str, dict[str, Any]]] = [("message_start", {"type": "message_start", "message": message})]
    for index, block in enumerate(turn.blocks):
        if isinstance(block, Text):
            start = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": piece} for piece in _pieces(block.text)]
        else:
            start = {"type": "tool_use", "id": block.id, "name": block.name, "input": {}}
            raw = json.dumps(block.input)
            half = len(raw) // 2
            deltas = [
                {"type": "input_json_delta", "partial_json": raw[:half]},
                {"type": "input_json_delta", "partial_json": raw[half:]},
            ]
        out.append(
            ("content_block_start", {"type": "content_block_start", "index": index, "content_block": start})
        )
        out += [
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d})
            for d in deltas
        ]
        out.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    out.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": turn.stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": turn.output_tokens},
            },
        )
    )
    out.append(("message_stop", {"type": "message_stop"}))
    return out


def _pieces(text: str) -> list[str]:
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


async def start_fake(fake: FakeAnthropic) -> web.AppRunner:
    app = web.Application()
    app.router.add_post("/v1/messages", fake.handle)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.url = f"http://127.0.0.1:{port}"
    return runner
