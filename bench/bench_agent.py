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
from svc_agent.wiring import build
from tests.agent.fake_anthropic import FakeAnthropic, Text, Turn, start_fake

REPLIES = 30
WARMUP = 3
WORDS = 200  # text deltas per reply
KEY = "sk-ant-bench"


def _turn() -> Turn:
    return Turn([Text(" ".join(f"w{i}" for i in range(WORDS)))])


async def sdk_reply(client: anthropic.AsyncAnthropic, fake: FakeAnthropic) -> tuple[float, float]:
    """One reply read by the SDK alone: (time to first text delta, time per further delta)."""
    fake.script = [_turn()]
    start = time.perf_counter()
    first = 0.0
    n = 0
    stream = await client.messages.create(
        model="claude-sonnet-5-5", max_tokens=1024, messages=[{"role": "user", "content": "hi"}], stream=True
    )
    async with stream:
        async for event in stream:
            if event.type == "content_block_delta":
                n += 1
                if n == 1:
                    first = time.perf_counter() - start
    return first, (time.perf_counter() - start - first) / max(n - 1, 1)


class OurSide:
    """svc_agent on a gRPC server with the chassis, SQLite, the in-process bus."""

    async def start(self, fake: FakeAnthropic, tmp: Path) -> None:
        clock = Clock()
        settings = Settings(data_dir=tmp, grpc_port=0)
        keys = KeyStore.ephemeral("https://trading.bench", "trading-api", clock)
        self.db = Database(f"sqlite+aiosqlite:///{tmp}/db/main.sqlite")
        await self.db.create_all([Base.metadata])
        kv = MemoryKeyValue(clock)
        self.ctx = ServiceContext(
            settings, self.db, InProcessBus(), kv, clock, ClientFactory(settings, clock), keys
        )
        agent = AgentSettings(
            anthropic_api_key=KEY,
            anthropic_base_url=fake.url,
            anthropic_max_retries=0,
            messages_per_minute=10**6,
        )
        self.built = await build(self.ctx, agent)
        self.server, port = await create_server(
            "127.0.0.1:0",
            self.built.servicers,
            ["trading.agent.v1.AgentService"],
            interceptors=[ChassisInterceptor(Authenticator(keys, None), kv)],
        )
        settings.grpc_port = port
        token = keys.sign_access_token({"sub": "bench-user", "plan": "premium"})
        self.md = (("authorization", f"Bearer {token}"),)
        self.channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        self.stub = AgentServiceStub(self.channel)
        self.conversation: str | None = None

    async def reply(self, fake: FakeAnthropic) -> tuple[float, float]:
        """One Chat call: (time to the first chunk, time per further chunk)."""
        fake.script = [_turn()]
        request = pb.ChatRequest(message="hi")
        if self.conversation:
            request.conversation_id = self.conversation
        start = time.perf_counter()
        first = 0.0
        n = 0
        async for item in self.stub.Chat(request, metadata=self.md):
            n += 1
            if n == 1:
                first = time.perf_counter() - start
                self.conversation = item.conversation_id
        return first, (time.perf_counter() - start - first) / max(n - 1, 1)

    async def stop(self) -> None:
        await self.channel.close()
        await self.server.stop(0)
        if self.built.close is not None:
            await self.built.close()
        await self.ctx.clients.close()
        await self.db.dispose()


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


async def main() -> None:
    fake = FakeAnthropic()
    runner = await start_fake(fake)
    client = anthropic.AsyncAnthropic(api_key=KEY, base_url=fake.url, max_retries=0)
    ours = OurSide()
    base: list[tuple[float, float]] = []
    mine: list[tuple[float, float]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            await ours.start(fake, Path(tmp))
            try:
                for i in range(WARMUP + REPLIES):  # alternated, so both see the same machine load
                    b, o = await sdk_reply(client, fake), await ours.reply(fake)
                    if i >= WARMUP:
                        base.append(b)
                        mine.append(o)
            finally:
                await ours.stop()
    finally:
        await client.close()
        await runner.cleanup()
    base_first, base_chunk = [b[0] for b in base], [b[1] for b in base]
    our_first, our_chunk = [m[0] for m in mine], [m[1] for m in mine]
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
