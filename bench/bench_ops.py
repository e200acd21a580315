"""Operations overhead: what the trace span per RPC, the statement timing and /metrics cost.

Side by side with a baseline run in the same process: a unary RPC over loopback on a bare
grpc.aio server vs the chassis server (with its tracing interceptor), SQLite statements on a bare
engine vs a `Database` (with its timing hooks), and one /metrics exposition. Then what the
multi-process run's shared metric files cost (app/run_metrics.py): one histogram observation and
one exposition, in a process of its own with and without PROMETHEUS_MULTIPROC_DIR.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


# One worker's share: observations of the RPC histogram, then one exposition.
_RECORD = """
import json, time
from core import metrics
latency = metrics.RPC_LATENCY.labels("/bench.Bench/Call", "OK")
started = time.perf_counter()
for _ in range(100_000):
    latency.observe(0.003)
observe = (time.perf_counter() - started) / 100_000
started = time.perf_counter()
body, _ = metrics.exposition()
print(json.dumps({"observe": observe, "exposition": time.perf_counter() - started, "bytes": len(body)}))
"""


def _recorded(env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _RECORD], env=env, capture_output=True, text=True, check=True
    )
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def bench_shared_metrics() -> None:
    """Alternating rounds; the shared side's second process merges both processes' files, as a
    scrape of a two-worker run does."""
    alone, shared = [], []
    for _ in range(3):
        env = {k: v for k, v in os.environ.items() if k != metrics.MULTIPROC_DIR_ENV}
        alone.append(_recorded(env))
        with tempfile.TemporaryDirectory() as tmp:
            _recorded({**env, metrics.MULTIPROC_DIR_ENV: tmp})
            shared.append(_recorded({**env, metrics.MULTIPROC_DIR_ENV: tmp}))
    for what, unit, scale in (("observe", "µs", 1e6), ("exposition", "ms", 1e3)):
        a, s = min(r[what] for r in alone), min(r[what] for r in shared)
        print(f"{what:>10}, one process       {a * scale:8.2f} {unit}")
        print(f"{what:>10}, shared files (2)  {s * scale:8.2f} {unit}   ratio {s / a:.2f}")


async def main() -> None:
    await bench_rpc()
    await bench_statements()
    bench_exposition()
    bench_shared_metrics()
