"""POST /agent/chat through Envoy: the same reply stream, transcoded to newline-delimited JSON."""

from __future__ import annotations

import json
import random
from pathlib import Path

import aiohttp
import pytest
from google.protobuf import json_format
from trading.agent.v1 import agent_messages_pb2 as pb

from app.envoy import render_envoy_config, running_envoy, write_envoy_config
from tests.agent.conftest import SYMBOL
from tests.agent.fake_anthropic import FakeAnthropic, Text, ToolCall, Turn
from tests.envoy.gateway_harness import DESCRIPTOR, free_port

pytestmark = pytest.mark.slow


async def test_chat_over_rest_is_newline_delimited_json_of_the_stream(
    make_platform, fake: FakeAnthropic, tmp_path: Path
) -> None:
    platform = await make_platform()
    _, md = await platform.register("rest@example.com")
    settings = platform.ctx.settings.model_copy(
        update={
            "edge_port": platform.edge.port,
            "envoy_port": free_port(),
            "envoy_admin_port": free_port(),
        }
    )
    config = render_envoy_config(settings, DESCRIPTOR, platform.runtime.grpc_services)
    path = write_envoy_config(config, tmp_path / "envoy.yaml")
    fake.script = [
        Turn(
            [ToolCall("toolu_g", "analyze_chart", {"symbol": SYMBOL, "timeframe": "1h"})],
            stop_reason="tool_use",
        ),
        Turn([Text("Calm market today.")]),
    ]
    async with (
        running_envoy(
            path,
            random.randrange(10_000, 2_000_000),
            settings.envoy_admin_port,
            concurrency=1,
            log_path=tmp_path / "envoy.log",
        ),
        aiohttp.ClientSession() as http,
        http.post(
            f"http://127.0.0.1:{settings.envoy_port}/agent/chat",
            json={"message": "How is BTCUSD?"},
            headers=dict(md),
        ) as response,
    ):
        assert response.status == 200
        body = await response.text()
    items = [json_format.Parse(line, pb.ChatResponse()) for line in body.splitlines() if line.strip()]
    assert [i.WhichOneof("event") for i in items] == [
        "tool_call",
        "tool_result",
        "text_delta",
        "text_delta",
        "text_delta",
        "completed",
    ]
    assert "".join(i.text_delta for i in items) == "Calm market today."
    assert json.loads(items[1].tool_result.output_json)["symbol"] == SYMBOL
    assert list(items[-1].completed.tools_used) == ["analyze_chart"]
