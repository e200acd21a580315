"""The bus on both backends: pub/sub with patterns, durable streams with ack and redelivery."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TypeVar

import pytest

from core.bus import Bus, Delivery, InProcessBus, Message, RedisBus

from .conftest import delete_namespace

T = TypeVar("T")


async def next_of(iterator: AsyncIterator[T]) -> T:
    return await asyncio.wait_for(anext(iterator), 5)


async def test_subscriber_receives_only_its_channel(bus: Bus) -> None:
    async with bus.subscribe("ticker:EURUSD") as sub:
        await bus.publish("ticker:GBPUSD", b"other")
        await bus.publish("ticker:EURUSD", b"1.0850")
        assert await next_of(sub) == Message("ticker:EURUSD", b"1.0850")


async def test_pattern_subscription_receives_every_matching_channel_in_order(bus: Bus) -> None:
    async with bus.subscribe("signals:*") as sub:
        await bus.publish("signals:EURUSD", b"buy")
        await bus.publish("chat:42", b"hello")
        await bus.publish("signals:BTCUSD", b"sell")
        assert await next_of(sub) == Message("signals:EURUSD", b"buy")
        assert await next_of(sub) == Message("signals:BTCUSD", b"sell")


async def test_message_matching_several_patterns_of_a_subscription_arrives_once(bus: Bus) -> None:
    async with bus.subscribe("signals:*", "signals:EURUSD", "*:EURUSD") as sub:
        await bus.publish("signals:EURUSD", b"buy")
        await bus.publish("ticker:EURUSD", b"marker")
        assert await next_of(sub) == Message("signals:EURUSD", b"buy")
        assert await next_of(sub) == Message("ticker:EURUSD", b"marker")


async def test_every_subscriber_gets_its_own_copy(bus: Bus) -> None:
    async with bus.subscribe("user:7:trades") as first, bus.subscribe("user:*:trades") as second:
        await bus.publish("user:7:trades", b"filled")
        assert (await next_of(first)).data == b"filled"
        assert (await next_of(second)).data == b"filled"


async def test_slow_subscriber_drops_its_oldest_messages_and_never_blocks_the_publisher() -> None:
    bus = InProcessBus()
    async with bus.subscribe("ticker:*", buffer=3) as slow, bus.subscribe("ticker:*") as fast:
        for i in range(10):
            await bus.publish("ticker:EURUSD", str(i).encode())
        assert slow.dropped == 7
        assert [(await next_of(slow)).data for _ in range(3)] == [b"7", b"8", b"9"]
        assert fast.dropped == 0
        assert [(await next_of(fast)).data for _ in range(10)] == [str(i).encode() for i in range(10)]


@pytest.mark.redis
async def test_redis_namespaces_do_not_see_each_other(redis_url: str, namespace: str) -> None:
    mine, theirs = RedisBus(redis_url, namespace), RedisBus(redis_url, namespace + "x")
    try:
        async with mine.subscribe("ticker:*") as sub:
            await theirs.publish("ticker:EURUSD", b"theirs")
            await mine.publish("ticker:EURUSD", b"mine")
            assert await next_of(sub) == Message("ticker:EURUSD", b"mine")
    finally:
        await mine.close()
        await theirs.close()
        await delete_namespace(redis_url, namespace)


async def take(
    bus: Bus, n: int, group: str, consumer: str, claim_idle_s: float | None = None
) -> list[Delivery]:
    entries = bus.consume("trades", group, consumer, claim_idle_s=claim_idle_s)
    try:
        return [await next_of(entries) for _ in range(n)]
    finally:
        await entries.aclose()


async def test_stream_delivers_entries_to_a_group_in_order(bus: Bus) -> None:
    ids = [await bus.xadd("trades", f"t{i}".encode()) for i in range(3)]
    got = await take(bus, 3, "ledger", "c1")
    assert [(d.id, d.data) for d in got] == list(zip(ids, [b"t0", b"t1", b"t2"], strict=True))


async def test_unacked_entry_is_redelivered_when_the_consumer_comes_back(bus: Bus) -> None:
    await bus.xadd("trades", b"a")
    await bus.xadd("trades", b"b")
    first, second = await take(bus, 2, "ledger", "c1")
    await first.ack()
    await bus.xadd("trades", b"c")
    again = await take(bus, 2, "ledger", "c1")
    assert [d.data for d in again] == [b"b", b"c"]
    assert again[0].id == second.id


async def test_acked_entries_are_not_delivered_again(bus: Bus) -> None:
    await bus.xadd("trades", b"a")
    for delivery in await take(bus, 1, "ledger", "c1"):
        await delivery.ack()
    await bus.xadd("trades", b"b")
    assert [d.data for d in await take(bus, 1, "ledger", "c1")] == [b"b"]


async def test_entry_left_unacked_by_one_consumer_is_claimed_by_another(bus: Bus) -> None:
    await bus.xadd("trades", b"a")
    (lost,) = await take(bus, 1, "ledger", "crashed")
    (claimed,) = await take(bus, 1, "ledger", "survivor", claim_idle_s=0)
    assert (claimed.id, claimed.data) == (lost.id, b"a")


async def test_each_group_gets_every_entry(bus: Bus) -> None:
    await bus.xadd("trades", b"a")
    await bus.xadd("trades", b"b")
    assert [d.data for d in await take(bus, 2, "ledger", "c1")] == [b"a", b"b"]
    assert [d.data for d in await take(bus, 2, "notifier", "c1")] == [b"a", b"b"]


async def test_group_created_at_the_end_skips_earlier_entries(bus: Bus) -> None:
    await bus.xadd("trades", b"old")
    await bus.create_group("trades", "late", start="$")
    await bus.create_group("trades", "late", start="0")  # exists already: unchanged
    await bus.xadd("trades", b"new")
    assert [d.data for d in await take(bus, 1, "late", "c1")] == [b"new"]
