"""Operations overhead: what the trace span per RPC, the statement timing and /metrics cost.

Side by side with a baseline run in the same process: a unary RPC over loopback on a bare
grpc.aio server vs the chassis server (with its tracing interceptor), SQLite statements on a bare
engine vs a `Database` (with its timing hooks), and one /metrics exposition.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import grpc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from trading.platform.v1 import platform_messages_pb2 as pb
from trading.platform.v1 import platform_service_pb2_grpc as rpc

from app.platform_service import PlatformServicer
from core import metrics
from core.clock import Clock
from core.db import Database
from core.server import create_server

CALLS = 1000
STATEMENTS = 3000


async def _calls(port: int) -> float:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = rpc.PlatformServiceStub(channel)
        for _ in range(100):
            await stub.GetServerInfo(pb.GetServerInfoRequest())
        started = time.perf_counter()
        for _ in range(CALLS):
            await stub.GetServerInfo(pb.GetServerInfoRequest())
        return (time.perf_counter() - started) / CALLS


async def bench_rpc() -> None:
    """Alternating rounds, so a load change on the machine hits both sides alike."""
    servicers = [(rpc.add_PlatformServiceServicer_to_server, PlatformServicer(Clock(), [], "bench"))]
    names = ["trading.platform.v1.PlatformService"]
    bare, bare_port = await create_server("127.0.0.1:0", servicers, names, traced=False)
    traced, traced_port = await create_server("127.0.0.1:0", servicers, names)
    base, with_span = [], []
    for _ in range(3):
        base.append(await _calls(bare_port))
        with_span.append(await _calls(traced_port))
    await bare.stop(0)
    await traced.stop(0)
    b, t = min(base), min(with_span)
    print(f"unary RPC, untraced server      {b * 1e6:8.1f} µs/call (best of 3)")
    print(f"unary RPC, traced (span/call)   {t * 1e6:8.1f} µs/call   ratio {t / b:.2f}")


async def _statements(engine: object) -> float:
    async with engine.connect() as conn:  # type: ignore[attr-defined]
        started = time.perf_counter()
        for _ in range(STATEMENTS):
            await conn.execute(text("SELECT 1"))
        return (time.perf_counter() - started) / STATEMENTS


async def bench_statements() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bare = create_async_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'bare.sqlite'}")
        timed = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'db' / 'main.sqlite'}")
        base = await _statements(bare)
        with_timing = await _statements(timed.engine)
        await bare.dispose()
        await timed.dispose()
    print(f"SELECT 1, bare engine           {base * 1e6:8.1f} µs/statement")
    print(
        f"SELECT 1, timed (db_query)      {with_timing * 1e6:8.1f} µs/statement"
        f"   ratio {with_timing / base:.2f}"
    )


def bench_exposition() -> None:
    started = time.perf_counter()
    body, _ = metrics.exposition()
    print(
        f"/metrics exposition             {(time.perf_counter() - started) * 1e3:8.2f} ms ({len(body)} bytes)"
    )


async def main() -> None:
    await bench_rpc()
    await bench_statements()
    bench_exposition()
