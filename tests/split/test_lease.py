"""The lease that keeps one replica on each background job: on memory (the injected clock) and
on the real Redis (its own clock: the tests wait by polling, never by asserting a duration)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.clock import TestClock
from core.kv import KeyValue, MemoryKeyValue, RedisKeyValue
from core.lease import Lease, leased, replica_id, run_while_held
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


class StillClock(TestClock):
    """Time moves only when the test moves it; a sleep just lets the other tasks run."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


class Job:
    """A background loop that records who runs it and runs until cancelled."""

    def __init__(self, name: str, runs: list[str]) -> None:
        self.name = name
        self.runs = runs
        self.cancelled = asyncio.Event()

    async def __call__(self) -> None:
        self.runs.append(self.name)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise


async def settle(condition: Callable[[], bool]) -> None:
    for _ in range(2000):  # yields to the loops under test; a bound, not a duration
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("never settled")


async def test_a_leased_job_runs_on_one_replica_and_moves_on_shutdown() -> None:
    clock, runs = StillClock(), []
    kv = MemoryKeyValue(clock)
    a = asyncio.create_task(run_while_held(Lease(kv, "job", holder="a", ttl_s=3), Job("a", runs), clock))
    await settle(lambda: runs == ["a"])
    b = asyncio.create_task(run_while_held(Lease(kv, "job", holder="b", ttl_s=3), Job("b", runs), clock))
    for _ in range(50):
        await asyncio.sleep(0)
    assert runs == ["a"]  # b waits while a renews
    a.cancel()  # a clean shutdown gives the lease back
    with pytest.raises(asyncio.CancelledError):
        await a
    await settle(lambda: runs == ["a", "b"])
    b.cancel()
    with pytest.raises(asyncio.CancelledError):
        await b


async def test_a_holder_that_lost_its_lease_stops_its_job() -> None:
    clock, runs = StillClock(), []
    kv = MemoryKeyValue(clock)
    job = Job("a", runs)
    a = asyncio.create_task(run_while_held(Lease(kv, "job", holder="a", ttl_s=3), job, clock))
    await settle(lambda: runs == ["a"])
    # a paused past its TTL and b took over meanwhile
    await kv.delete("lease:job")
    assert await Lease(kv, "job", holder="b", ttl_s=3).acquire() is not None
    await settle(job.cancelled.is_set)
    a.cancel()
    with pytest.raises(asyncio.CancelledError):
        await a


async def test_a_finished_job_gives_the_lease_back() -> None:
    clock = TestClock()
    kv = MemoryKeyValue(clock)
    done: list[str] = []

    async def once() -> None:
        done.append("ran")

    await leased(kv, clock, "once", once)()
    assert done == ["ran"]
    assert await Lease(kv, "once").current() is None


REPLICA = """
import asyncio, os, sys
from core.clock import Clock
from core.kv import RedisKeyValue
from core.lease import Lease, run_while_held

async def main():
    kv = RedisKeyValue(sys.argv[1], namespace=sys.argv[2])
    async def job():
        while True:
            await kv.set("owner", str(os.getpid()).encode())
            print("working", flush=True)
            await asyncio.sleep(0.05)
    await run_while_held(Lease(kv, "job", ttl_s=1.0), job, Clock())

asyncio.run(main())
"""


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.redis
@pytest.mark.slow
async def test_another_process_takes_over_when_the_holder_is_killed(redis_url: str, namespace: str) -> None:
    root = ROOT
    env = {**os.environ, "PYTHONPATH": f"{root}:{root / 'gen' / 'python'}"}
    kv = RedisKeyValue(redis_url, namespace=namespace)
    procs = [
        subprocess.Popen(  # noqa: ASYNC220 (started once; the test then polls Redis)
            [sys.executable, "-c", REPLICA, redis_url, namespace], cwd=root, env=env,
                         stdout=subprocess.DEVNULL, start_new_session=True)
        for _ in range(2)
    ]  # fmt: skip
    try:

        async def owner() -> int | None:
            raw = await kv.get("owner")
            return int(raw) if raw else None

        for _ in range(3000):
            if await owner() is not None:
                break
            await asyncio.sleep(0.02)
        first = await owner()
        assert first in {p.pid for p in procs}
        os.killpg(first, signal.SIGKILL)
        survivor = next(p.pid for p in procs if p.pid != first)
        for _ in range(3000):
            if await owner() == survivor:
                break
            await asyncio.sleep(0.02)
        assert await owner() == survivor
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        await kv.close()
        await delete_namespace(redis_url, namespace)
