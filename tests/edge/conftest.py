from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import pytest
from aiohttp.test_utils import TestClient, TestServer
from trading.platform.v1 import platform_service_pb2_grpc as platform_grpc

from app.platform_service import PlatformServicer
from core.bus import InProcessBus
from core.clock import TestClock
from core.keys import KeyStore
from core.revocation import SessionVersions
from core.server import create_server
from core.settings import Settings
from edge import create_app
from edge.channels import ChatOwnerCheck, deny_all_chats

PLATFORM = "trading.platform.v1.PlatformService"
ISSUER, AUDIENCE = "https://trading.test", "trading-api"


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


@pytest.fixture
def keys(clock: TestClock) -> KeyStore:
    return KeyStore.ephemeral(ISSUER, AUDIENCE, clock)


@pytest.fixture
async def bus() -> AsyncIterator[InProcessBus]:
    bus = InProcessBus()
    yield bus
    await bus.close()


@pytest.fixture
async def grpc_port(clock: TestClock) -> AsyncIterator[int]:
    servicer = PlatformServicer(clock, [PLATFORM], "test")
    server, port = await create_server(
        "127.0.0.1:0", [(platform_grpc.add_PlatformServiceServicer_to_server, servicer)], [PLATFORM]
    )
    yield port
    await server.stop(0)


EdgeFactory = Callable[..., "TestClient"]


@pytest.fixture
async def make_edge(
    keys: KeyStore, bus: InProcessBus, tmp_path: Path
) -> AsyncIterator[Callable[..., object]]:
    """`client = await make_edge(grpc_port, chat_owner=..., web_root=...)`: the edge on loopback."""
    clients: list[TestClient] = []
    channels: list[grpc.aio.Channel] = []

    async def make(
        grpc_port: int,
        *,
        chat_owner: ChatOwnerCheck = deny_all_chats,
        web_root: Path | None = None,
        session_versions: SessionVersions | None = None,
    ) -> TestClient:
        settings = Settings(
            grpc_host="127.0.0.1", grpc_port=grpc_port, jwt_issuer=ISSUER, jwt_audience=AUDIENCE
        )

        def channel_for(domain: str) -> grpc.aio.Channel:
            channel = grpc.aio.insecure_channel(settings.address_of(domain))
            channels.append(channel)
            return channel

        app = create_app(
            settings, bus, keys, channel_for, services=[PLATFORM], chat_owner=chat_owner,
            web_root=web_root or tmp_path / "no-web", session_versions=session_versions,
        )  # fmt: skip
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()
    for channel in channels:
        await channel.close()
