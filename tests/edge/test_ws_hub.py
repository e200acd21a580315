"""The WebSocket hub: who may subscribe to what, and that bus events reach the right browsers."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from trading.events.v1 import events_envelope_pb2, events_payloads_pb2

from core import revocation
from core.bus import InProcessBus
from core.clock import TestClock
from core.keys import KeyStore
from core.kv import MemoryKeyValue
from core.revocation import SessionVersions
from edge.app import HUB
from edge.channels import deny_all_chats, may_subscribe
from edge.ws_hub import Hub, Watcher


def price_event(symbol: str, bid: str = "1.1") -> bytes:
    event = events_envelope_pb2.Event(
        id="e1", type="price_update", channel=f"ticker:{symbol}",
        price_update=events_payloads_pb2.PriceUpdate(symbol=symbol),
    )  # fmt: skip
    return event.SerializeToString()


async def connect(client, token: str | None = None) -> aiohttp.ClientWebSocketResponse:
    protocols = ("trading.v1", f"bearer.{token}") if token else ("trading.v1",)
    return await client.ws_connect("/ws", protocols=protocols)


async def subscribe(ws: aiohttp.ClientWebSocketResponse, *channels: str) -> list[dict]:
    """Subscribe; returns the error frames followed by the `subscribed` frame."""
    await ws.send_json({"type": "subscribe", "channels": list(channels)})
    frames = [await ws.receive_json(timeout=5)]
    while frames[-1]["type"] != "subscribed":
        frames.append(await ws.receive_json(timeout=5))
    return frames


@pytest.fixture
def user_token(keys: KeyStore) -> str:
    return keys.sign_access_token({"sub": "u1"})


async def test_token_in_the_subprotocol_header_signs_the_socket_in(
    make_edge, grpc_port: int, user_token: str
) -> None:
    client = await make_edge(grpc_port)
    async with await connect(client, user_token) as ws:
        ready = await ws.receive_json(timeout=5)
        assert ws.protocol == "trading.v1"
    assert ready["type"] == "ready"
    assert ready["user_id"] == "u1"


async def test_token_in_the_first_message_signs_the_socket_in(
    make_edge, grpc_port: int, user_token: str
) -> None:
    client = await make_edge(grpc_port)
    async with await connect(client) as ws:
        await ws.send_json({"type": "auth", "token": user_token})
        assert (await ws.receive_json(timeout=5))["user_id"] == "u1"


async def test_socket_without_a_valid_token_is_closed_4401(make_edge, grpc_port: int) -> None:
    client = await make_edge(grpc_port)
    async with await connect(client, "not.a.token") as ws:
        error = await ws.receive_json(timeout=5)
        closing = await ws.receive(timeout=5)
    assert error["code"] == "UNAUTHENTICATED"
    assert closing.type == aiohttp.WSMsgType.CLOSE
    assert ws.close_code == 4401


async def test_subscribing_before_auth_closes_the_socket(make_edge, grpc_port: int) -> None:
    client = await make_edge(grpc_port)
    async with await connect(client) as ws:
        await ws.send_json({"type": "subscribe", "channels": ["ticker:EURUSD"]})
        await ws.receive(timeout=5)
    assert ws.close_code == 4401


async def test_bus_events_reach_subscribers_as_json(
    make_edge, grpc_port: int, user_token: str, bus: InProcessBus
) -> None:
    client = await make_edge(grpc_port)
    async with await connect(client, user_token) as ws:
        await ws.receive_json(timeout=5)
        assert (await subscribe(ws, "ticker:EURUSD")) == [
            {"type": "subscribed", "channels": ["ticker:EURUSD"]}
        ]
        await bus.publish("ticker:GBPUSD", price_event("GBPUSD"))
        await bus.publish("ticker:EURUSD", price_event("EURUSD"))
        frame = await ws.receive_json(timeout=5)
    assert frame["channel"] == "ticker:EURUSD"
    assert frame["event"]["price_update"]["symbol"] == "EURUSD"
    assert frame["event"]["type"] == "price_update"


async def test_a_user_cannot_subscribe_to_another_users_channels(
    make_edge, grpc_port: int, user_token: str
) -> None:
    client = await make_edge(grpc_port)
    async with await connect(client, user_token) as ws:
        await ws.receive_json(timeout=5)
        frames = await subscribe(ws, "user:u2:trades", "user:u1:trades", "secrets:all")
    errors = {f["channel"]: f["reason"] for f in frames if f["type"] == "error"}
    assert errors == {"user:u2:trades": "NOT_OWNER", "secrets:all": "UNKNOWN_CHANNEL"}
    assert frames[-1] == {"type": "subscribed", "channels": ["user:u1:trades"]}


async def test_chat_channels_follow_the_owner_check(make_edge, grpc_port: int, user_token: str) -> None:
    async def owns(conversation_id: str, user_id: str) -> bool:
        return (conversation_id, user_id) == ("c1", "u1")

    client = await make_edge(grpc_port, chat_owner=owns)
    async with await connect(client, user_token) as ws:
        await ws.receive_json(timeout=5)
        frames = await subscribe(ws, "chat:c1", "chat:c2")
    assert frames[0]["channel"] == "chat:c2"
    assert frames[-1]["channels"] == ["chat:c1"]


async def test_watchers_of_one_channel_share_one_bus_subscription(
    make_edge, grpc_port: int, keys: KeyStore, bus: InProcessBus
) -> None:
    client = await make_edge(grpc_port)
    hub = client.app[HUB]
    async with await connect(client, keys.sign_access_token({"sub": "a"})) as a:
        async with await connect(client, keys.sign_access_token({"sub": "b"})) as b:
            for ws in (a, b):
                await ws.receive_json(timeout=5)
                await subscribe(ws, "signals:EURUSD")
            assert hub.channels == ["signals:EURUSD"]
            await bus.publish("signals:EURUSD", price_event("EURUSD"))
            assert (await a.receive_json(timeout=5))["channel"] == "signals:EURUSD"
            assert (await b.receive_json(timeout=5))["channel"] == "signals:EURUSD"
        await a.send_json({"type": "unsubscribe", "channels": ["signals:EURUSD"]})
        assert (await a.receive_json(timeout=5)) == {"type": "unsubscribed", "channels": ["signals:EURUSD"]}
    assert hub.channels == []


async def test_socket_is_closed_when_its_token_expires(
    make_edge, grpc_port: int, user_token: str, clock: TestClock
) -> None:
    client = await make_edge(grpc_port)
    async with await connect(client, user_token) as ws:
        await ws.receive_json(timeout=5)
        clock.advance(3600)
        await ws.send_json({"type": "ping"})
        frames = []
        while (msg := await ws.receive(timeout=5)).type == aiohttp.WSMsgType.TEXT:
            frames.append(msg.json())
    assert {"type": "error", "code": "UNAUTHENTICATED", "reason": "TOKEN_EXPIRED"} in frames
    assert ws.close_code == 4401


async def test_public_channels_are_open_and_unknown_ones_closed() -> None:
    assert (await may_subscribe("ticker:EURUSD", "u1", deny_all_chats)).allowed
    assert (await may_subscribe("signals:BTC-USD", "u1", deny_all_chats)).allowed
    assert not (await may_subscribe("ticker:*", "u1", deny_all_chats)).allowed
    assert not (await may_subscribe("user:u1:secrets", "u1", deny_all_chats)).allowed


async def test_a_watcher_that_falls_behind_is_marked_for_disconnection(bus: InProcessBus) -> None:
    hub = Hub(bus)
    slow = Watcher(ws=None, queue_size=2)  # type: ignore[arg-type]  # never pumped
    await hub.join(slow, "ticker:EURUSD")
    for _ in range(2):
        await bus.publish("ticker:EURUSD", price_event("EURUSD"))
    while slow.queue.qsize() < 2:
        await asyncio.sleep(0.01)
    assert not slow.overflowed.is_set()
    await bus.publish("ticker:EURUSD", price_event("EURUSD"))
    await asyncio.wait_for(slow.overflowed.wait(), 5)
    await hub.close()


async def test_sockets_of_a_revoked_user_close_at_once_and_others_stay(
    make_edge, grpc_port: int, keys: KeyStore, bus: InProcessBus, clock: TestClock
) -> None:
    versions = SessionVersions(MemoryKeyValue(clock), bus, clock)
    client = await make_edge(grpc_port, session_versions=versions)
    victim = keys.sign_access_token({"sub": "u1", "sv": 0})
    bystander = keys.sign_access_token({"sub": "u2", "sv": 0})
    async with await connect(client, victim) as ws, await connect(client, bystander) as other:
        assert (await ws.receive_json(timeout=5))["type"] == "ready"
        assert (await other.receive_json(timeout=5))["type"] == "ready"
        await revocation.announce(versions.kv, bus, "u1", 1, keep_s=960)
        frames = []
        while (msg := await ws.receive(timeout=5)).type == aiohttp.WSMsgType.TEXT:
            frames.append(msg.json())
        await other.send_json({"type": "ping"})
        assert await other.receive_json(timeout=5) == {"type": "pong"}
    assert {"type": "error", "code": "UNAUTHENTICATED", "reason": "SESSION_REVOKED"} in frames
    assert ws.close_code == 4401
    async with await connect(client, victim) as again:  # the old token cannot open a new socket
        assert (await again.receive_json(timeout=5))["reason"] == "SESSION_REVOKED"
        await again.receive(timeout=5)
    assert again.close_code == 4401


async def test_event_frames_are_not_compressed_per_watcher(
    make_edge, grpc_port: int, user_token: str, bus: InProcessBus
) -> None:
    """Browsers offer permessage-deflate; the hub declines it (deflate would run per watcher)."""
    client = await make_edge(grpc_port)
    async with await client.ws_connect(
        "/ws", protocols=("trading.v1", f"bearer.{user_token}"), compress=15
    ) as ws:
        await ws.receive_json(timeout=5)
        await subscribe(ws, "ticker:EURUSD")
        await bus.publish("ticker:EURUSD", price_event("EURUSD"))
        frame = await ws.receive_json(timeout=5)
        assert ws.compress == 0
    assert frame["event"]["price_update"]["symbol"] == "EURUSD"
