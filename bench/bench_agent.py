"""svc_agent: time to the first chunk and the cost of each further chunk on our side, with the
loopback fake of Anthropic's streaming API answering at once (so the figures are our overhead).

Baseline: the `anthropic` SDK alone reading the same scripted stream from the fake. Ours: a
Chat call over gRPC through the chassis (auth, quota, validation), the assistant's loop (history,
the stored user and assistant messages on SQLite), each chunk published on the bus and sent.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import anthropic
import grpc
from trading.agent.v1 import agent_messages_pb2 as pb
from trading.agent.v1.agent_service_pb2_grpc import AgentServiceStub

from core.auth import Authenticator
from core.bus import InProcessBus
from core.clients import ClientFactory
from core.clock import Clock
from core.db import Database
from core.interceptor import ChassisInterceptor
from core.keys import KeyStore
from core.kv import MemoryKeyValue
from core.server import create_server
from core.service import ServiceContext
from core.settings import Settings
from svc_agent.config import AgentSettings
from svc_agent.models import Base
from svc_agent.wiring import build_agent
from tests.agent.fake_anthropic import FakeAnthropic, Text, Turn, start_fake

REPLIES = 30
WORDS = 200  # text deltas per reply
KEY = "sk-ant-bench"


def _turn() -> Turn:
    return Turn([Text(" ".join(f"w{i}" for i in range(WORDS)))])


async def sdk_alone(fake: FakeAnthropic) -> tuple[list[float], list[float]]:
    client = anthropic.AsyncAnthropic(api_key=KEY, base_url=fake.url, max_retries=0)
    firsts, per_chunk = [], []
    for _ in range(REPLIES):
        fake.script = [_turn()]
        start = time.perf_counter()
        first = 0.0
        n = 0
        stream = await client.messages.create(
            model="claude-sonnet-5-5",
            max_tokens=1024,
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
        )
        async with stream:
            async for event in stream:
                if event.type == "content_block_delta":
                    n += 1
                    if n == 1:
                        first = time.perf_counter() - start
        total = time.perf_counter() - start
        firsts.append(first)
        per_chunk.append((total - first) / max(n - 1, 1))
    await client.close()
    return firsts, per_chunk


async def through_us(fake: FakeAnthropic, tmp: Path) -> tuple[list[float], list[float]]:
    clock = Clock()
    settings = Settings(data_dir=tmp, grpc_port=0)
    keys = KeyStore.ephemeral("https://trading.bench", "trading-api", clock)
    db = Database(f"sqlite+aiosqlite:///{tmp}/db/main.sqlite")
    await db.create_all([Base.metadata])
    kv = MemoryKeyValue(clock)
    ctx = ServiceContext(settings, db, InProcessBus(), kv, clock, ClientFactory(settings, clock), keys)
    agent = AgentSettings(anthropic_api_key=KEY, anthropic_base_url=fake.url, anthropic_max_retries=0)
    built = build_agent(ctx, agent)
    server, port = await create_server(
        "127.0.0.1:0",
        built.servicers,
        ["trading.agent.v1.AgentService"],
        interceptors=[ChassisInterceptor(Authenticator(keys, None), kv)],
    )
    settings.grpc_port = port
    token = keys.sign_access_token({"sub": "bench-user", "plan": "premium"})
    md = (("authorization", f"Bearer {token}"),)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    stub = AgentServiceStub(channel)
    firsts, per_chunk = [], []
    conversation: str | None = None
    try:
        for _ in range(REPLIES):
            fake.script = [_turn()]
            request = pb.ChatRequest(message="hi")
            if conversation:
                request.conversation_id = conversation
            start = time.perf_counter()
            first = 0.0
            n = 0
            async for item in stub.Chat(request, metadata=md):
                n += 1
                if n == 1:
                    first = time.perf_counter() - start
                    conversation = item.conversation_id
            total = time.perf_counter() - start
            firsts.append(first)
            per_chunk.append((total - first) / max(n - 1, 1))
    finally:
        await channel.close()
        await server.stop(0)
        if built.close is not None:
            await built.close()
        await ctx.clients.close()
        await db.dispose()
    return firsts, per_chunk


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


async def main() -> None:
    fake = FakeAnthropic()
    runner = await start_fake(fake)
    try:
        base_first, base_chunk = await sdk_alone(fake)
        with tempfile.TemporaryDirectory() as tmp:
            our_first, our_chunk = await through_us(fake, Path(tmp))
    finally:
        await runner.cleanup()
    print(f"{REPLIES} replies of {WORDS} text deltas each, the fake answering at once (medians)")
    print(
        f"time to first chunk:  SDK alone {_ms(base_first):7.2f} ms   Chat over gRPC {_ms(our_first):7.2f} ms"
    )
    print(
        f"per further chunk:    SDK alone {_ms(base_chunk) * 1000:7.1f} µs   "
        f"Chat over gRPC {_ms(our_chunk) * 1000:7.1f} µs  "
        f"(ratio {statistics.median(our_chunk) / statistics.median(base_chunk):.1f}x)"
    )
    print(f"our time to first chunk over the SDK's: +{_ms(our_first) - _ms(base_first):.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
