"""KeyValue semantics, the same on memory (driven by a TestClock) and on Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from core.clock import TestClock
from core.kv import KeyValue, MemoryKeyValue, RedisKeyValue

from .conftest import BACKENDS, delete_namespace

# Long enough that no load can expire a key between two calls: time passing is simulated
# (`Store.pass_time`), never waited for.
TTL = 60.0


@dataclass
class Store:
    kv: KeyValue
    pass_time: Callable[[float], Awaitable[None]]


def expire_namespace_now(redis_url: str, namespace: str) -> Callable[[float], Awaitable[None]]:
    """Redis cannot be given a clock: every key of the namespace that expires within `seconds`
    is made to expire now, then we wait (bounded polling, no duration asserted) until it is gone."""
    from redis.asyncio import Redis

    async def pass_time(seconds: float) -> None:
        client = Redis.from_url(redis_url)
        try:
            due = []
            async for key in client.scan_iter(match=f"{namespace}:*"):
                left_ms = await client.pttl(key)
                if 0 <= left_ms <= seconds * 1000:
                    due.append(key)
                    await client.pexpire(key, 1)
            for _ in range(1000):
                if not any([await client.exists(key) for key in due]):
                    return
                await asyncio.sleep(0.005)
            raise AssertionError("Redis kept keys past their expiry")
        finally:
            await client.aclose()

    return pass_time


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, namespace: str) -> AsyncIterator[Store]:
    if request.param == "memory":
        clock = TestClock()

        async def advance(seconds: float) -> None:
            clock.advance(seconds)

        yield Store(MemoryKeyValue(clock), advance)
        return
    redis_url = request.getfixturevalue("redis_url")
    kv = RedisKeyValue(redis_url, namespace=namespace)
    yield Store(kv, expire_namespace_now(redis_url, namespace))
    await kv.close()
    await delete_namespace(redis_url, namespace)


async def test_set_get_delete(store: Store) -> None:
    kv = store.kv
    assert await kv.get("k") is None
    await kv.set("k", b"v")
    assert await kv.get("k") == b"v"
    await kv.delete("k")
    assert await kv.get("k") is None


async def test_value_with_ttl_expires(store: Store) -> None:
    await store.kv.set("k", b"v", ttl_s=TTL)
    remaining = await store.kv.ttl("k")
    assert remaining is not None
    assert 0 < remaining <= TTL
    await store.pass_time(TTL * 2)
    assert await store.kv.get("k") is None
    assert await store.kv.ttl("k") is None


async def test_set_nx_is_a_lock_that_expires(store: Store) -> None:
    kv = store.kv
    assert await kv.set_nx("lock", b"owner-1", ttl_s=TTL) is True
    assert await kv.set_nx("lock", b"owner-2", ttl_s=TTL) is False
    assert await kv.get("lock") == b"owner-1"
    await store.pass_time(TTL * 2)
    assert await kv.set_nx("lock", b"owner-2", ttl_s=TTL) is True


async def test_delete_if_equals_releases_only_the_owners_lock(store: Store) -> None:
    kv = store.kv
    await kv.set_nx("lock", b"owner-1", ttl_s=60)
    assert await kv.delete_if_equals("lock", b"owner-2") is False
    assert await kv.get("lock") == b"owner-1"
    assert await kv.delete_if_equals("lock", b"owner-1") is True
    assert await kv.get("lock") is None


async def test_incr_counts_and_sets_the_ttl_only_when_it_creates_the_key(store: Store) -> None:
    kv = store.kv
    assert await kv.incr("hits", ttl_s=TTL) == 1
    assert await kv.incr("hits", 5, ttl_s=3600) == 6
    remaining = await kv.ttl("hits")
    assert remaining is not None
    assert remaining <= TTL
    assert await kv.get("hits") == b"6"
    await store.pass_time(TTL * 2)
    assert await kv.incr("hits") == 1
    assert await kv.ttl("hits") is None


async def test_incr_window_refuses_over_the_limit_until_the_window_ends(store: Store) -> None:
    kv = store.kv
    results = [await kv.incr_window("login:ana", limit=3, window_s=TTL) for _ in range(4)]
    assert [(allowed, count) for allowed, count, _ in results] == [
        (True, 1),
        (True, 2),
        (True, 3),
        (False, 4),
    ]
    assert results[0][2] == 0
    assert 0 < results[3][2] <= TTL
    await store.pass_time(TTL * 2)
    assert await kv.incr_window("login:ana", limit=3, window_s=TTL) == (True, 1, 0.0)


async def test_incr_window_is_atomic_under_concurrent_callers(store: Store) -> None:
    results = await asyncio.gather(*(store.kv.incr_window("quota", 5, 60) for _ in range(20)))
    assert sum(allowed for allowed, _, _ in results) == 5
    assert sorted(count for _, count, _ in results) == list(range(1, 21))


async def test_expire_sets_a_ttl_on_an_existing_key_only(store: Store) -> None:
    kv = store.kv
    await kv.set("k", b"v")
    assert await kv.ttl("k") is None
    assert await kv.expire("k", TTL) is True
    remaining = await kv.ttl("k")
    assert remaining is not None
    assert 0 < remaining <= TTL
    assert await kv.expire("missing", TTL) is False


@pytest.mark.redis
async def test_redis_namespaces_keep_keys_apart(redis_url: str, namespace: str) -> None:
    mine, theirs = RedisKeyValue(redis_url, namespace), RedisKeyValue(redis_url, namespace + "x")
    try:
        await mine.set("k", b"mine")
        assert await theirs.get("k") is None
        assert await theirs.set_nx("k", b"theirs", ttl_s=60) is True
        assert await mine.get("k") == b"mine"
    finally:
        await mine.close()
        await theirs.close()
        await delete_namespace(redis_url, namespace)
        await delete_namespace(redis_url, namespace + "x")


async def test_uncount_takes_one_back_never_below_zero_nor_past_the_window(store: Store) -> None:
    kv = store.kv
    await kv.incr_window("hits", limit=5, window_s=60)
    await kv.incr_window("hits", limit=5, window_s=60)
    await kv.uncount("hits")
    assert await kv.get("hits") == b"1"
    await kv.uncount("hits")
    await kv.uncount("hits")
    assert await kv.get("hits") == b"0"
    await kv.uncount("gone")  # an expired window is not brought back with a credit
    assert await kv.get("gone") is None


async def test_the_memory_store_is_bounded_dropping_expired_then_least_recently_used_keys() -> None:
    clock = TestClock()
    kv = MemoryKeyValue(clock, max_keys=100)
    await kv.set("kept", b"1")
    await kv.set("short", b"1", ttl_s=1)
    clock.advance(2)
    for i in range(99):  # the expired key makes room before any live one is dropped
        await kv.incr_window(f"flood:{i}", 5, 60)
    assert kv.evicted == 0
    assert await kv.get("kept") == b"1"  # read: now the most recently used
    for i in range(99, 10_000):  # a flood of new clients
        await kv.incr_window(f"flood:{i}", 5, 60)
    assert len(kv._data) <= 100
    assert await kv.get("flood:9999") == b"1"
    assert await kv.get("flood:0") is None
    assert kv.evicted == 10_001 - 100  # "kept" and the oldest of the flood
