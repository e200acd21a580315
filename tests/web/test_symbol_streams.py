"""The seed's per-symbol WebSockets through Envoy: `/trading/stream/{symbol}` (prices) and
`/ws/{symbol}` (signals) take an upgrade and are served by the edge from the bus, while a plain GET
of the same paths stays the transcoded gRPC stream behind the token check."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
import pytest

from core.bus import RedisBus
from core.events import signals_channel
from tests.web.conftest import Platform
from tests.web.publish import signal_event

pytestmark = [pytest.mark.envoy, pytest.mark.slow, pytest.mark.postgres]


def ws_url(platform: Platform, path: str) -> str:
    return platform.gateway.replace("http://", "ws://") + path


async def frames_until(ws: aiohttp.ClientWebSocketResponse, kind: str) -> list[dict]:
    frames = [await ws.receive_json(timeout=30)]
    while frames[-1]["type"] != kind:
        frames.append(await ws.receive_json(timeout=30))
    return frames


async def test_price_stream_upgrade_sends_the_symbols_ticks(web_platform: Platform) -> None:
    protocols = ("trading.v1", f"bearer.{web_platform.token}")
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(ws_url(web_platform, "/trading/stream/eurusd"), protocols=protocols) as ws,
    ):
        frames = await frames_until(ws, "event")
    assert frames[0]["type"] == "ready"
    assert {"type": "subscribed", "channels": ["ticker:EURUSD"]} in frames
    event = frames[-1]["event"]
    assert event["type"] == "price_update"
    assert event["price_update"]["symbol"] == "EURUSD"
    assert event["price_update"]["bid"] > 0


async def test_signal_stream_upgrade_sends_published_signals(web_platform: Platform) -> None:
    protocols = ("trading.v1", f"bearer.{web_platform.token}")
    bus = RedisBus(web_platform.redis_url, namespace=web_platform.namespace)
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(ws_url(web_platform, "/ws/GBPUSD"), protocols=protocols) as ws,
        ):
            assert (await frames_until(ws, "subscribed"))[-1]["channels"] == ["signals:GBPUSD"]
            data = signal_event("GBPUSD", "sig-1", 1.25, 1.24, 1.27, datetime(2026, 1, 5, tzinfo=UTC))
            await bus.publish(signals_channel("GBPUSD"), data)
            event = (await frames_until(ws, "event"))[-1]["event"]
    finally:
        await bus.close()
    assert event["ml_signal_new"]["signal_id"] == "sig-1"
    assert event["ml_signal_new"]["signal"] == "SIGNAL_DIRECTION_LONG"


async def test_upgrade_without_a_token_is_closed_4401(web_platform: Platform) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(ws_url(web_platform, "/trading/stream/EURUSD"), protocols=("trading.v1",)) as ws,
    ):
        await ws.send_json({"type": "subscribe", "channels": ["ticker:EURUSD"]})
        await ws.receive(timeout=30)
    assert ws.close_code == 4401


async def test_plain_get_of_the_stream_path_is_still_the_token_checked_grpc_stream(
    web_platform: Platform,
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{web_platform.gateway}/trading/stream/EURUSD") as r:
            assert r.status == 401
        headers = {"Authorization": f"Bearer {web_platform.token}"}
        async with http.get(f"{web_platform.gateway}/trading/stream/EURUSD", headers=headers) as r:
            assert r.status == 200
            first = await r.content.readline()
    assert b'"symbol":"EURUSD"' in first
