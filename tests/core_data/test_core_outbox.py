"""The transactional outbox: committed events are published once and in order, rolled back never."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from core.bus import Bus, InProcessBus, Subscription
from core.db import Database, make_base
from core.outbox import OutboxRelay, outbox_table, stage

Base = make_base("core_test_outbox")
OUTBOX = outbox_table(Base.metadata)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    note: Mapped[str] = mapped_column(String(50))


class Rollback(Exception):
    pass


@pytest.fixture
async def db(make_database: Callable[..., Awaitable[Database]]) -> Database:
    return await make_database(Base.metadata)


@pytest.fixture
def memory_bus() -> InProcessBus:
    return InProcessBus()


async def place_order(db: Database, note: str, *channels: str) -> None:
    async with db.transaction() as s:
        s.add(Order(note=note))
        for channel in channels:
            await stage(s, channel, note.encode(), table=OUTBOX)


async def received(sub: Subscription, n: int) -> list[tuple[str, bytes]]:
    return [(m.channel, m.data) for m in [await asyncio.wait_for(anext(sub), 5) for _ in range(n)]]


@pytest.fixture
async def orders_sub(memory_bus: InProcessBus) -> AsyncIterator[Subscription]:
    async with memory_bus.subscribe("orders:*") as sub:
        yield sub


async def test_events_of_a_committed_transaction_are_published(db: Database, bus: Bus) -> None:
    async with bus.subscribe("orders:*") as sub:
        await place_order(db, "first", "orders:1", "orders:2")
        assert await OutboxRelay(db, bus, [OUTBOX]).drain() == 2
        assert await received(sub, 2) == [("orders:1", b"first"), ("orders:2", b"first")]


async def test_events_of_a_rolled_back_transaction_are_never_published(
    db: Database, memory_bus: InProcessBus, orders_sub: Subscription
) -> None:
    relay = OutboxRelay(db, memory_bus, [OUTBOX])

    async def place_then_fail() -> None:
        async with db.transaction() as s:
            s.add(Order(note="lost"))
            await stage(s, "orders:lost", b"lost", table=OUTBOX)
            raise Rollback

    with pytest.raises(Rollback):
        await place_then_fail()
    assert await relay.drain() == 0
    await place_order(db, "kept", "orders:kept")
    assert await relay.drain() == 1
    assert await received(orders_sub, 1) == [("orders:kept", b"kept")]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Order)) == 1


async def test_published_rows_are_marked_and_not_published_again(
    db: Database, memory_bus: InProcessBus
) -> None:
    relay = OutboxRelay(db, memory_bus, [OUTBOX])
    await place_order(db, "once", "orders:1")
    assert await relay.drain() == 1
    assert await relay.drain() == 0
    async with db.session() as s:
        assert await s.scalar(select(func.count()).where(OUTBOX.c.published_at.is_(None))) == 0


async def test_two_relays_publish_every_event_once_and_in_order(
    db: Database, memory_bus: InProcessBus, orders_sub: Subscription
) -> None:
    for batch in range(3):
        await place_order(db, f"b{batch}", *(f"orders:{batch * 10 + i}" for i in range(10)))
    relays = [OutboxRelay(db, memory_bus, [OUTBOX], batch=4) for _ in range(2)]
    counts = await asyncio.gather(*(relay.drain() for relay in relays))
    assert sum(counts) == 30
    got = await received(orders_sub, 30)
    assert [channel for channel, _ in got] == [f"orders:{i}" for i in range(30)]
    await memory_bus.publish("orders:marker", b"")
    assert await received(orders_sub, 1) == [("orders:marker", b"")]


async def test_running_relay_publishes_what_commits(
    db: Database, memory_bus: InProcessBus, orders_sub: Subscription
) -> None:
    task = asyncio.create_task(OutboxRelay(db, memory_bus, [OUTBOX], poll_s=60).run())
    try:
        await place_order(db, "live", "orders:live")
        assert await received(orders_sub, 1) == [("orders:live", b"live")]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_protobuf_event_is_published_as_its_serialized_bytes(
    db: Database, memory_bus: InProcessBus, orders_sub: Subscription
) -> None:
    event = StringValue(value="order placed")
    async with db.transaction() as s:
        await stage(s, "orders:pb", event, table=OUTBOX)
    await OutboxRelay(db, memory_bus, [OUTBOX]).drain()
    ((_, data),) = await received(orders_sub, 1)
    assert StringValue.FromString(data) == event


async def test_durable_event_is_appended_to_the_stream(db: Database, memory_bus: InProcessBus) -> None:
    async with db.transaction() as s:
        await stage(s, "billing:events", b"paid", table=OUTBOX, durable=True)
    await OutboxRelay(db, memory_bus, [OUTBOX]).drain()
    entries = memory_bus.consume("billing:events", "auth", "c1")
    try:
        assert (await asyncio.wait_for(anext(entries), 5)).data == b"paid"
    finally:
        await entries.aclose()
