"""Small load helpers shared by the benchmarks: percentiles, a gRPC load loop, process CPU."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp


@dataclass
class Result:
    calls: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_s(self) -> float:
        return self.calls / self.seconds

    def row(self, label: str) -> str:
        return f"{label:<44} {self.p50_ms:8.3f} {self.p99_ms:8.3f} {self.per_s:10.0f}"


HEADER = f"{'':<44} {'p50 ms':>8} {'p99 ms':>8} {'calls/s':>10}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_load(call: Callable[[], Awaitable[object]], concurrency: int, total: int) -> Result:
    """`total` calls spread over `concurrency` callers; bounded in count."""
    latencies: list[float] = []
    per_worker = max(1, total // concurrency)

    async def worker() -> None:
        for _ in range(per_worker):
            t0 = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    ms = [x * 1000 for x in latencies]
    return Result(len(ms), elapsed, statistics.median(ms), percentile(ms, 0.99))


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def own_address_session(index: int) -> aiohttp.ClientSession:
    """A session whose connections come from a loopback address of the user's own, as real users
    come from their own: Envoy's per-address token bucket (100 calls/s) is per user, not shared."""
    address = f"127.0.{1 + index // 250}.{1 + index % 250}"
    connector = aiohttp.TCPConnector(limit=0, local_addr=(address, 0))
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60))
