from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from core.bus import InProcessBus
from core.clock import Clock
from core.keys import KeyStore
from tests.envoy.gateway_harness import AUDIENCE, ISSUER, Gateway, full_gateway


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def keys(clock: Clock) -> KeyStore:
    return KeyStore.ephemeral(ISSUER, AUDIENCE, clock)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bus() -> AsyncIterator[InProcessBus]:
    bus = InProcessBus()
    yield bus
    await bus.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gateway(
    keys: KeyStore, clock: Clock, bus: InProcessBus, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Gateway]:
    workdir: Path = tmp_path_factory.mktemp("gateway")
    async with full_gateway(keys, clock, bus, workdir) as gw:
        yield gw


@pytest.fixture(scope="module")
def token(keys: KeyStore) -> str:
    return keys.sign_access_token({"sub": "u1", "roles": ["user"], "plan": "free"})
