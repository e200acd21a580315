"""Fixtures for the chassis' data layer: a bus and a key-value store on each backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.bus import Bus, InProcessBus, RedisBus

BACKENDS = ["memory", pytest.param("redis", marks=pytest.mark.redis)]


async def delete_namespace(redis_url: str, namespace: str) -> None:
    from redis.asyncio import Redis

    client: Any = Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{namespace}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture(params=BACKENDS)
async def bus(request: pytest.FixtureRequest, namespace: str) -> AsyncIterator[Bus]:
    """An in-process bus, then a Redis bus in a namespace of its own."""
    if request.param == "memory":
        memory = InProcessBus()
        yield memory
        await memory.close()
        return
    redis_url = request.getfixturevalue("redis_url")
    redis = RedisBus(redis_url, namespace=namespace)
    yield redis
    await redis.close()
    await delete_namespace(redis_url, namespace)
