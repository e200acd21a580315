"""Whole-gateway throughput of the split run: Envoy (`trading gateway`) in front of one and then
two replicas of a domain (`trading serve platform`), each its own process, a public REST call
(`GET /platform/info`, transcoded to gRPC) driven by 20 concurrent clients.

Prints calls/s, p50 and p99 for each and the two-replica figure as a ratio of the one-replica
one. Short on purpose (2,000 calls a side); on a 2-core machine the ratio shows how much a second
replica buys once Envoy and the load generator take their share of the cores.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.load import HEADER, Result, percentile

ROOT = Path(__file__).resolve().parent.parent
CALLS, CONCURRENCY = 2000, 20


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(args: list[str], env: dict[str, str], ready: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", *args], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if ready in line:
            return proc
        if not line and proc.poll() is not None:
            break
    raise RuntimeError(f"{args} did not start")


async def _drive(url: str) -> Result:
    latencies: list[float] = []
    async with aiohttp.ClientSession() as http:

        async def worker() -> None:
            for _ in range(CALLS // CONCURRENCY):
                t0 = time.perf_counter()
                async with http.get(url) as response:
                    await response.read()
                    assert response.status == 200, response.status
                latencies.append((time.perf_counter() - t0) * 1000)

        for _ in range(50):  # warm the connections and Envoy's health checks
            async with http.get(url) as response:
                await response.read()
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return Result(len(ordered), elapsed, ordered[len(ordered) // 2], percentile(ordered, 0.99))


async def measure(replicas: int, data_dir: Path) -> Result:
    ports = [_port() for _ in range(replicas)]
    envoy_port, admin, edge = _port(), _port(), _port()
    listed = ",".join(f"127.0.0.1:{p}" for p in ports)
    from app.envoy import trading_services

    domains = {s.split(".")[1] for s in trading_services(ROOT / "gen" / "descriptor.binpb")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADING_")}
    env.update(
        TRADING_DATA_DIR=str(data_dir), TRADING_LOG_LEVEL="WARNING", TRADING_ENVOY_WORKERS="1",
        TRADING_SERVICE_ADDRESSES=json.dumps(dict.fromkeys(domains, listed)),
        TRADING_ENVOY_PORT=str(envoy_port), TRADING_ENVOY_ADMIN_PORT=str(admin), TRADING_EDGE_PORT=str(edge),
        PYTHONPATH=f"{ROOT}:{ROOT / 'gen' / 'python'}",
    )  # fmt: skip
    procs = [_start(["serve", "platform", "--port", str(p)], env, "serving on") for p in ports]
    try:
        procs.append(_start(["edge"], env, "edge serving"))
        procs.append(_start(["gateway", "--base-id", str(envoy_port)], env, "gateway listening"))
        return await _drive(f"http://127.0.0.1:{envoy_port}/platform/info")
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        one = await measure(1, Path(tmp) / "one")
        two = await measure(2, Path(tmp) / "two")
    print(f"GET /platform/info through Envoy, {CONCURRENCY} clients, {CALLS} calls, {os.cpu_count()} cores")
    print(HEADER)
    print(one.row("split, 1 replica (baseline)"))
    print(two.row("split, 2 replicas"))
    print(f"throughput ratio 2 replicas / 1: {two.per_s / one.per_s:.2f}x")
