"""Group commit: concurrent callers' work coalesced into batches, one transaction each.

While one batch is being written, the callers that arrive meanwhile wait together; when it is
done, they all go in the next batch. Nothing waits on a timer: a lone caller is written at once,
and under load each batch holds what arrived during the last one (up to `max_batch`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
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
    """Runs `write(batch)` for batches of submitted items, one batch at a time, in the order they
    were submitted. `write` settles every ticket it is given."""

    def __init__(self, write: Callable[[list[Ticket[T, R]]], Awaitable[None]], max_batch: int = 32) -> None:
        self._write = write
        self._max_batch = max_batch
        self._waiting: list[Ticket[T, R]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        ticket: Ticket[T, R] = Ticket(item)
        self._waiting.append(ticket)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._drain())
        return await ticket.answer

    async def _drain(self) -> None:
        while self._waiting:
            await asyncio.sleep(0)  # callers answered by the last batch come back first
            batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
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
