"""Redis restarted under the bus (a private redis-server, never the shared one): pub/sub
subscribers reconnect and subscribe every channel again; a stream consumer group continues from
its last ack (its unacked entry delivered again, then the new ones)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.bus import Delivery, RedisBus
from tests.ops.test_faults import PrivateRedis

WAIT_S = 60  # a bound only: every wait below ends on an event


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


async def _within(awaitable: object) -> object:
    return await asyncio.wait_for(awaitable, WAIT_S)  # type: ignore[arg-type]


@pytest.mark.redis
async def test_a_subscriber_resumes_every_channel_after_redis_restarts(private_redis: PrivateRedis) -> None:
    bus = RedisBus(private_redis.url)
    try:
        async with bus.subscribe("ticker:EURUSD", "user:*") as sub:
            await bus.publish("ticker:EURUSD", b"before")
            assert (await _within(anext(sub))).data == b"before"
            private_redis.stop()
            await _within(sub.lost.wait())
            private_redis.start()
            await _within(sub.connected.wait())
            assert sub.reconnects == 1
            await bus.publish("user:7:trades", b"after-pattern")
            await bus.publish("ticker:EURUSD", b"after-literal")
            got = [(await _within(anext(sub))).data for _ in range(2)]
            assert got == [b"after-pattern", b"after-literal"]
    finally:
        await bus.close()


@pytest.mark.redis
async def test_a_stream_consumer_continues_from_its_last_ack_after_redis_restarts(
    private_redis: PrivateRedis,
) -> None:
    bus = RedisBus(private_redis.url)
    consumer = bus.consume("ops-reconnect", "g", "c1", block_s=0.2)
    try:
        await bus.create_group("ops-reconnect", "g")
        for body in (b"one", b"two"):
            await bus.xadd("ops-reconnect", body)
        first: Delivery = await _within(anext(consumer))  # type: ignore[assignment]
        await first.ack()
        second: Delivery = await _within(anext(consumer))  # type: ignore[assignment]
        assert (first.data, second.data) == (b"one", b"two")  # "two" is left unacked
        private_redis.stop()
        reading = asyncio.ensure_future(anext(consumer))
        await _within(bus.lost.wait())  # the read failed: the consumer is reconnecting
        private_redis.start()
        again: Delivery = await _within(reading)  # type: ignore[assignment]
        assert (again.id, again.data) == (second.id, b"two")
        await again.ack()
        await bus.xadd("ops-reconnect", b"three")
        third: Delivery = await _within(anext(consumer))  # type: ignore[assignment]
        assert third.data == b"three"
        await third.ack()
    finally:
        await consumer.aclose()
        await bus.close()


@pytest.mark.redis
async def test_a_stream_consumer_makes_its_group_again_when_redis_loses_its_data(
    private_redis: PrivateRedis,
) -> None:
    """Redis emptied under a live connection (a failover to an empty replica, a FLUSHALL): the next
    read answers NOGROUP; the consumer makes the group again and goes on with what follows."""
    bus = RedisBus(private_redis.url)
    consumer = bus.consume("ops-empty", "g", "c1", block_s=0.2)
    try:
        await bus.create_group("ops-empty", "g")
        await bus.xadd("ops-empty", b"before")
        before: Delivery = await _within(anext(consumer))  # type: ignore[assignment]
        await before.ack()
        reading = asyncio.ensure_future(anext(consumer))
        await bus._redis.flushall()
        await _within(bus.lost.wait())  # the read answered NOGROUP
        await _within(_when_the_group_exists(bus, "ops-empty"))
        await bus.xadd("ops-empty", b"after")
        after: Delivery = await _within(reading)  # type: ignore[assignment]
        assert after.data == b"after"
        await after.ack()
    finally:
        await consumer.aclose()
        await bus.close()


async def _when_the_group_exists(bus: RedisBus, stream: str) -> None:
    key = bus._key(stream)
    while not (await bus._redis.exists(key) and await bus._redis.xinfo_groups(key)):
        await asyncio.sleep(0.05)
