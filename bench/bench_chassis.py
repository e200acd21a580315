"""The chassis' cost on a trivial RPC: the same PlatformService.GetServerInfo served bare and
with the chassis interceptor, on asyncio and uvloop; latency, calls/s and server CPU per call.

Load comes from a Python grpc.aio client in this process (which inflates latency; the ratios
between rows are the point), the server runs in its own process so its CPU is its own.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
from trading.platform.v1 import platform_messages_pb2 as pb
from trading.platform.v1 import platform_service_pb2_grpc as pb_grpc

from bench.load import HEADER, Result, process_cpu_s, run_load

CALLS = 3000


async def measure(flags: list[str], concurrency: int) -> tuple[Result, float]:
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        proc = subprocess.Popen([sys.executable, "-m", "bench.serve_platform", str(port_file), *flags])
        try:
            for _ in range(200):
                if port_file.exists() and port_file.read_text():
                    break
                time.sleep(0.05)
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port_file.read_text()}") as channel:
                stub = pb_grpc.PlatformServiceStub(channel)
                request = pb.GetServerInfoRequest()
                await run_load(lambda: stub.GetServerInfo(request), concurrency, 300)  # warm up
                cpu0 = process_cpu_s(proc.pid)
                result = await run_load(lambda: stub.GetServerInfo(request), concurrency, CALLS)
                cpu_us = (process_cpu_s(proc.pid) - cpu0) / result.calls * 1e6
            return result, cpu_us
        finally:
            proc.terminate()
            proc.wait(10)


async def main() -> None:
    print(f"{HEADER} {'server CPU µs/call':>20}")
    for concurrency in (1, 32):
        rows = {}
        for label, flags in (
            ("bare server, asyncio", ["--bare"]),
            ("chassis interceptor, asyncio", []),
            ("bare server, uvloop", ["--bare", "--uvloop"]),
            ("chassis interceptor, uvloop", ["--uvloop"]),
        ):
            result, cpu = await measure(flags, concurrency)
            rows[label] = (result, cpu)
            print(f"{result.row(f'{label}, {concurrency} in flight')} {cpu:20.0f}", flush=True)
        base, base_cpu = rows["bare server, asyncio"]
        full, full_cpu = rows["chassis interceptor, asyncio"]
        print(
            f"  ratio chassis/bare at {concurrency} in flight: p50 {full.p50_ms / base.p50_ms:.2f}x, "
            f"calls/s {full.per_s / base.per_s:.2f}x, server CPU {full_cpu / base_cpu:.2f}x"
        )


if __name__ == "__main__":
    asyncio.run(main())
