"""A PlatformService server for benchmarks, in its own process so its CPU can be measured.

python -m bench.serve_platform PORT_FILE [--bare] [--uvloop]
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

from trading.platform.v1 import platform_service_pb2_grpc as pb_grpc

from app.platform_service import PlatformServicer
from core.auth import Authenticator
from core.clock import Clock
from core.interceptor import ChassisInterceptor
from core.keys import KeyStore
from core.kv import MemoryKeyValue
from core.server import create_server

SERVICE = "trading.platform.v1.PlatformService"


async def serve(port_file: Path, bare: bool) -> None:
    clock = Clock()
    interceptors = []
    if not bare:
        keys = KeyStore.ephemeral("https://bench", "trading-api", clock)
        interceptors.append(ChassisInterceptor(Authenticator(keys, None), MemoryKeyValue(clock)))
    servicer = PlatformServicer(clock, [SERVICE], "bench")
    server, port = await create_server(
        "127.0.0.1:0",
        [(pb_grpc.add_PlatformServiceServicer_to_server, servicer)],
        [SERVICE],
        interceptors=interceptors,
    )
    port_file.write_text(str(port))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await server.stop(0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("port_file", type=Path)
    parser.add_argument("--bare", action="store_true", help="no chassis interceptor")
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args()
    if args.uvloop:
        import uvloop

        uvloop.install()
    asyncio.run(serve(args.port_file, args.bare))
