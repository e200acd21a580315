"""A real grpc.aio server with the chassis interceptor, serving PlatformService."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from trading.platform.v1 import platform_service_pb2_grpc as pb_grpc

from app.platform_service import PlatformServicer
from core.auth import Authenticator
from core.clock import Clock
from core.interceptor import ChassisInterceptor
from core.keys import KeyStore
from core.kv import MemoryKeyValue
from core.server import Server, create_server

SERVICE = "trading.platform.v1.PlatformService"


@dataclass
class Running:
    server: Server
    channel: grpc.aio.Channel
    stub: pb_grpc.PlatformServiceStub
    keys: KeyStore

    def token(self, **claims: object) -> tuple[tuple[str, str], ...]:
        claims.setdefault("sub", "user-1")
        return (("authorization", f"Bearer {self.keys.sign_access_token(claims)}"),)


async def start(servicer: object, *, max_deadline_s: float = 60.0) -> Running:
    clock = Clock()
    keys = KeyStore.ephemeral("https://trading.test", "trading-api", clock)
    interceptor = ChassisInterceptor(
        Authenticator(keys, None), MemoryKeyValue(clock), max_deadline_s=max_deadline_s
    )
    server, port = await create_server(
        "127.0.0.1:0",
        [(pb_grpc.add_PlatformServiceServicer_to_server, servicer)],
        [SERVICE],
        interceptors=[interceptor],
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    return Running(server, channel, pb_grpc.PlatformServiceStub(channel), keys)


@pytest.fixture
async def platform() -> AsyncIterator[Running]:
    running = await start(PlatformServicer(Clock(), [SERVICE], "test"))
    yield running
    await running.channel.close()
    await running.server.stop(0)
