"""Group commit: concurrent callers' work coalesced into batches, one transaction each.

While one batch is being written, the callers that arrive meanwhile wait together; when it is
done, they all go in the next batch. Nothing waits on a timer: a lone caller is written at once,
and under load each batch holds what arrived during the last one (up to `max_batch`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Ticket(Generic[T, R]):
    """One caller's item and the answer it waits for."""

    item: T
    answer: asyncio.Future[R] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def settle(self, outcome: R | BaseException) -> None:
        """Answer the caller (unless it stopped waiting)."""
        if self.answer.done():
            return
        if isinstance(outcome, BaseException):
            self.answer.set_exception(outcome)
        else:
            self.answer.set_result(outcome)


class GroupCommit(Generic[T, R]):
    """Runs `write(batch)` for batches of submitted items, up to `writers` batches at a time.
    Items with the same `key` (an account) are written in the order they were submitted: a batch
    never takes an item whose key is in a batch still being written, nor one behind such an item.
    `write` settles every ticket it is given."""

    def __init__(
        self,
        write: Callable[[list[Ticket[T, R]]], Awaitable[None]],
        key: Callable[[T], Hashable],
        *,
        max_batch: int = 32,
        writers: int = 1,
    ) -> None:
        self._write = write
        self._key = key
        self._max_batch = max_batch
        self._writers = writers
        self._waiting: list[Ticket[T, R]] = []
        self._busy: set[Hashable] = set()  # the keys of the batches being written
        self._running = 0  # writers started and not yet finished
        self._tasks: set[asyncio.Task[None]] = set()  # held, so that no writer is collected

    async def submit(self, item: T) -> R:
        ticket: Ticket[T, R] = Ticket(item)
        self._waiting.append(ticket)
        if self._running < self._writers:
            self._running += 1  # counted now: a writer that is ending must not be counted on
            task = asyncio.get_running_loop().create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await ticket.answer

    def _take(self) -> list[Ticket[T, R]]:
        """The next batch: waiting items in order, skipping the keys being written (and every
        later item of a skipped key)."""
        batch: list[Ticket[T, R]] = []
        blocked = set(self._busy)
        left: list[Ticket[T, R]] = []
        for ticket in self._waiting:
            key = self._key(ticket.item)
            if key in blocked or len(batch) >= self._max_batch:
                blocked.add(key)
                left.append(ticket)
            else:
                batch.append(ticket)
        self._waiting = left
        return batch

    async def _drain(self) -> None:
        try:
            await self._write_while_waiting()
        finally:
            self._running -= 1

    async def _write_while_waiting(self) -> None:
        while self._waiting:
            await asyncio.sleep(0)  # callers answered by the last batch come back first
            batch = self._take()
            if not batch:
                return  # what waits belongs to the batches being written: their writers take it
            keys = {self._key(t.item) for t in batch}
            self._busy |= keys
            try:
                await self._write(batch)
            except BaseException as failed:  # never leave a caller waiting
                for ticket in batch:
                    ticket.settle(failed)
                if not isinstance(failed, Exception):  # cancelled: so is everyone still waiting
                    for ticket in self._waiting:
                        ticket.settle(failed)
                    self._waiting.clear()
                    raise
                log.exception("a batch of %d failed", len(batch))
            finally:
                self._busy -= keys
