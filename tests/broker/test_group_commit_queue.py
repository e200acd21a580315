"""The group-commit queue: what waits while a batch is written goes in the next batch, items of
one key are written in the order they came even with several writers, and every caller gets
its own answer."""

from __future__ import annotations

import asyncio

from svc_broker.venues.paper.group_commit import GroupCommit, Ticket

Item = tuple[str, int]  # (key, n)


class Writes:
    """A write function that records each batch and holds it until the test releases it."""

    def __init__(self) -> None:
        self.batches: list[list[Item]] = []
        self.release: list[asyncio.Event] = []

    async def __call__(self, batch: list[Ticket[Item, int]]) -> None:
        gate = asyncio.Event()
        self.batches.append([t.item for t in batch])
        self.release.append(gate)
        await gate.wait()
        for t in batch:
            t.settle(ValueError("refused") if t.item[1] < 0 else t.item[1] * 10)


async def settle_all(writes: Writes, calls: asyncio.Future) -> None:
    while not calls.done():
        for gate in writes.release:
            gate.set()
        await asyncio.sleep(0)


async def test_what_arrives_during_a_batch_goes_in_the_next_one() -> None:
    writes = Writes()
    queue: GroupCommit[Item, int] = GroupCommit(writes, lambda i: i[0], max_batch=3)
    first = asyncio.ensure_future(queue.submit(("a", 1)))
    while not writes.batches:
        await asyncio.sleep(0)
    later = asyncio.gather(*(queue.submit((k, n)) for k, n in [("b", 2), ("c", 3), ("d", 4), ("e", -5)]),
                           return_exceptions=True)  # fmt: skip
    for _ in range(5):
        await asyncio.sleep(0)
    assert writes.batches == [[("a", 1)]]  # one writer: the others wait for it
    await settle_all(writes, asyncio.gather(first, later))
    assert writes.batches == [[("a", 1)], [("b", 2), ("c", 3), ("d", 4)], [("e", -5)]]
    assert first.result() == 10
    answers = later.result()
    assert answers[:3] == [20, 30, 40]
    assert isinstance(answers[3], ValueError)


async def test_one_keys_items_are_written_in_order_with_several_writers() -> None:
    writes = Writes()
    queue: GroupCommit[Item, int] = GroupCommit(writes, lambda i: i[0], max_batch=2, writers=2)
    items = [("a", 1), ("a", 2), ("b", 3), ("a", 4), ("c", 5), ("b", 6)]
    calls = asyncio.gather(*(queue.submit(i) for i in items))
    await settle_all(writes, calls)
    assert calls.result() == [n * 10 for _, n in items]
    assert sorted(i for batch in writes.batches for i in batch) == sorted(items)
    for key in "abc":  # each key's items in submission order, batch after batch
        written = [n for batch in writes.batches for k, n in batch if k == key]
        assert written == [n for k, n in items if k == key]


async def test_a_caller_that_stops_waiting_does_not_stop_the_others() -> None:
    writes = Writes()
    queue: GroupCommit[Item, int] = GroupCommit(writes, lambda i: i[0])
    gone = asyncio.ensure_future(queue.submit(("a", 1)))
    stays = asyncio.ensure_future(queue.submit(("b", 2)))
    while not writes.batches:
        await asyncio.sleep(0)
    gone.cancel()
    await settle_all(writes, stays)
    assert stays.result() == 20
    assert gone.cancelled()
