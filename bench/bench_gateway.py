"""The gateway's cost: PlatformService.GetServerInfo called directly over gRPC versus as REST
(GET /platform/info) through Envoy's transcoder, with 1 and 32 callers in flight.

The server (the chassis on uvloop, bench/serve_platform.py) and Envoy run in their own
processes. Load comes from h2load (Debian's nghttp2-client) when it is installed, with the same
client for both paths (gRPC framing over h2c directly, JSON over h2c through Envoy); otherwise
from a Python grpc.aio / aiohttp loop in this process, which inflates both sides. Bounded in
calls and time; loopback only. Prints p50/p99, calls/s, CPU per call of the server and of Envoy,
and the REST/gRPC ratios.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.load import HEADER, Result, percentile, process_cpu_s, run_load
from core.ports import free_port

SERVICE = "trading.platform.v1.PlatformService"
GRPC_PATH = f"/{SERVICE}/GetServerInfo"
REST_PATH = "/platform/info"
CALLS = {1: 1000, 32: 4000}
WARMUP = 200
LOAD_TIMEOUT_S = 120
EMPTY_GRPC_MESSAGE = b"\x00\x00\x00\x00\x00"  # uncompressed, zero-length GetServerInfoRequest


def _start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    port_file = tmp / "port"
    proc = subprocess.Popen([sys.executable, "-m", "bench.serve_platform", str(port_file), "--uvloop"])
    deadline = time.monotonic() + 30
    while not (port_file.exists() and port_file.read_text()):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.terminate()
            raise RuntimeError("the benchmark server did not start")
        time.sleep(0.05)
    return proc, int(port_file.read_text())


ENVOY_WORKERS = int(os.environ.get("BENCH_ENVOY_WORKERS", "1"))  # 2 cores: one worker, one Python server


async def _start_envoy(tmp: Path, grpc_port: int) -> tuple[asyncio.subprocess.Process, int]:
    from app.envoy import RateLimit, launch_envoy, render_envoy_config, write_envoy_config
    from core.settings import Settings

    settings = Settings.model_construct(
        grpc_port=grpc_port, envoy_port=free_port(), envoy_admin_port=free_port(), edge_port=free_port()
    )
    unlimited = RateLimit(max_tokens=10_000_000, tokens_per_fill=10_000_000)
    descriptor = Path("gen/descriptor.binpb")
    config = render_envoy_config(
        settings, descriptor, [SERVICE], listen_host="127.0.0.1", rate_limit=unlimited
    )
    path = write_envoy_config(config, tmp / "envoy.yaml")
    base_id = random.randrange(10_000, 2_000_000)
    proc = await launch_envoy(
        path, base_id, settings.envoy_admin_port, log_path=tmp / "envoy.log", concurrency=ENVOY_WORKERS
    )
    return proc, settings.envoy_port


# load with h2load --------------------------------------------------------------------------------


def _h2load(url: str, callers: int, calls: int, tmp: Path, grpc: bool) -> Result:
    log = tmp / f"h2load-{callers}-{grpc}.log"
    args = ["h2load", "-n", str(calls), "-c", str(callers), "-m", "1", "--log-file", str(log)]
    if grpc:
        body = tmp / "request.bin"
        body.write_bytes(EMPTY_GRPC_MESSAGE)
        args += ["-d", str(body), "-H", "content-type: application/grpc", "-H", "te: trailers"]
    out = subprocess.run(
        [*args, url], capture_output=True, text=True, timeout=LOAD_TIMEOUT_S, check=True
    ).stdout
    finished = re.search(r"finished in ([\d.]+)(m?s)", out)
    ok = re.search(r"status codes: (\d+) 2xx", out)
    if finished is None or ok is None or int(ok.group(1)) != calls:
        raise RuntimeError(f"h2load did not finish every call:\n{out}")
    seconds = float(finished.group(1)) / (1000 if finished.group(2) == "ms" else 1)
    micros = [float(line.split("\t")[2]) for line in log.read_text().splitlines() if line.count("\t") >= 2]
    ms = sorted(us / 1000 for us in micros)
    return Result(len(ms), seconds, percentile(ms, 0.5), percentile(ms, 0.99))


# load from Python --------------------------------------------------------------------------------


async def _python_grpc(target: str, callers: int, calls: int) -> Result:
    import grpc
    from trading.platform.v1 import platform_messages_pb2 as pb
    from trading.platform.v1 import platform_service_pb2_grpc as pb_grpc

    async with grpc.aio.insecure_channel(target) as channel:
        stub = pb_grpc.PlatformServiceStub(channel)
        request = pb.GetServerInfoRequest()
        await run_load(lambda: stub.GetServerInfo(request), callers, WARMUP)
        return await run_load(lambda: stub.GetServerInfo(request), callers, calls)


async def _python_rest(url: str, callers: int, calls: int) -> Result:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=callers)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def call() -> None:
            async with session.get(url) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"GET {url} answered {response.status}")

        await run_load(call, callers, WARMUP)
        return await run_load(call, callers, calls)


async def _check_both_paths_answer(grpc_port: int, envoy_port: int) -> None:
    """h2load sees HTTP statuses only: prove once that both paths really answer the call."""
    one_direct = await _python_grpc(f"127.0.0.1:{grpc_port}", 1, 1)
    one_rest = await _python_rest(f"http://127.0.0.1:{envoy_port}{REST_PATH}", 1, 1)
    assert one_direct.calls == one_rest.calls == 1


# the comparison ----------------------------------------------------------------------------------


async def _measure(
    load: Callable[[], Awaitable[Result]], server_pid: int, envoy_pid: int | None
) -> tuple[Result, float, float]:
    cpu0 = process_cpu_s(server_pid)
    envoy0 = process_cpu_s(envoy_pid) if envoy_pid else 0.0
    result = await load()
    server_us = (process_cpu_s(server_pid) - cpu0) / result.calls * 1e6
    envoy_us = (process_cpu_s(envoy_pid) - envoy0) / result.calls * 1e6 if envoy_pid else 0.0
    return result, server_us, envoy_us


def _loaders(tmp: Path, grpc_port: int, envoy_port: int, callers: int, calls: int) -> dict[str, Callable]:
    direct, gateway = f"127.0.0.1:{grpc_port}", f"http://127.0.0.1:{envoy_port}{REST_PATH}"
    if shutil.which("h2load"):

        def via_h2load(url: str, grpc: bool) -> Callable[[], Awaitable[Result]]:
            async def run() -> Result:
                await asyncio.to_thread(_h2load, url, callers, WARMUP, tmp, grpc)
                return await asyncio.to_thread(_h2load, url, callers, calls, tmp, grpc)

            return run

        return {
            "gRPC direct (h2load)": via_h2load(f"http://{direct}{GRPC_PATH}", True),
            "REST through Envoy (h2load)": via_h2load(gateway, False),
        }
    return {
        "gRPC direct (python)": lambda: _python_grpc(direct, callers, calls),
        "REST through Envoy (python)": lambda: _python_rest(gateway, callers, calls),
    }


async def main() -> None:
    from app.envoy import stop_envoy

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        server, grpc_port = _start_server(tmp)
        envoy = None
        try:
            envoy, envoy_port = await _start_envoy(tmp, grpc_port)
            await _check_both_paths_answer(grpc_port, envoy_port)
            print(f"{HEADER} {'server µs/call':>15} {'envoy µs/call':>14}")
            for callers, calls in CALLS.items():
                rows = {}
                for label, load in _loaders(tmp, grpc_port, envoy_port, callers, calls).items():
                    through_envoy = "Envoy" in label
                    result, server_us, envoy_us = await _measure(
                        load, server.pid, envoy.pid if through_envoy else None
                    )
                    rows[through_envoy] = result
                    print(f"{result.row(f'{label}, {callers} in flight')} {server_us:15.0f} {envoy_us:14.0f}")
                direct, rest = rows[False], rows[True]
                print(
                    f"  overhead at {callers} in flight: REST/gRPC p50 {rest.p50_ms / direct.p50_ms:.2f}x,"
                    f" p99 {rest.p99_ms / direct.p99_ms:.2f}x, calls/s {rest.per_s / direct.per_s:.2f}x",
                    flush=True,
                )
        finally:
            if envoy is not None:
                await stop_envoy(envoy)
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    asyncio.run(main())
