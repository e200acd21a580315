"""The lease that keeps one replica on each background job: on memory (the injected clock) and
on the real Redis (its own clock: the tests wait by polling, never by asserting a duration)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from core.clock import TestClock
from core.kv import KeyValue, MemoryKeyValue, RedisKeyValue
from core.lease import Lease, replica_id
from tests.core_data.conftest import delete_namespace

TTL_S = 0.5


@dataclass
class Store:
    kv: KeyValue
    pass_ttl: Callable[[], Awaitable[None]]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request: pytest.FixtureRequest, namespace: str) -> AsyncIterator[Store]:
    if request.param == "memory":
        clock = TestClock()

        async def advance() -> None:
            clock.advance(TTL_S + 0.01)

        yield Store(MemoryKeyValue(clock), advance)
        return
    redis_url = request.getfixturevalue("redis_url")
    kv = RedisKeyValue(redis_url, namespace=namespace)

    async def wait_out() -> None:
        for _ in range(400):  # until the key is gone, however slow the machine
            if await kv.get("lease:job") is None:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the lease never expired")

    yield Store(kv, wait_out)
    await kv.close()
    await delete_namespace(redis_url, namespace)


async def test_one_holder_at_a_time(store: Store) -> None:
    a, b = Lease(store.kv, "job", holder="a", ttl_s=TTL_S), Lease(store.kv, "job", holder="b", ttl_s=TTL_S)
    held = await a.acquire()
    assert held is not None
    assert held.holder == "a"
    assert await b.acquire() is None
    assert (await a.acquire()) == held  # renewed, same tenure
    assert await b.acquire() is None
    assert (await b.current()) == held


async def test_takeover_after_the_holder_dies(store: Store) -> None:
    a, b = Lease(store.kv, "job", holder="a", ttl_s=TTL_S), Lease(store.kv, "job", holder="b", ttl_s=TTL_S)
    first = await a.acquire()
    assert first is not None
    assert await b.acquire() is None
    await store.pass_ttl()  # a stops renewing: it died
    second = await b.acquire()
    assert second is not None
    assert second.holder == "b"
    assert second.token > first.token  # fencing: the new tenure outranks the old
    # the old holder, waking up, finds it lost and does not take it back
    assert await a.acquire() is None
    assert a.held is None


async def test_release_hands_over_at_once(store: Store) -> None:
    a, b = Lease(store.kv, "job", holder="a", ttl_s=30), Lease(store.kv, "job", holder="b", ttl_s=30)
    assert await a.acquire() is not None
    await a.release()
    taken = await b.acquire()
    assert taken is not None
    assert taken.holder == "b"
    await a.release()  # releasing what it no longer holds leaves b's lease alone
    assert (await b.current()) == taken


async def test_many_contenders_one_winner(store: Store) -> None:
    leases = [Lease(store.kv, "job", holder=f"r{i}", ttl_s=30) for i in range(8)]
    won = [h for h in await asyncio.gather(*(lease.acquire() for lease in leases)) if h is not None]
    assert len(won) == 1


def test_refuses_a_ttl_that_never_holds() -> None:
    with pytest.raises(ValueError, match="ttl_s"):
        Lease(MemoryKeyValue(), "job", ttl_s=0)


def test_replica_id_names_host_and_process() -> None:
    host, _, pid = replica_id().rpartition(":")
    assert host
    assert pid.isdigit()
