"""Coalescing repeated work: callers that arrive while a run is under way share the next run."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class NextRun:
    """Runs `action` for its callers, one run at a time. Each caller returns when a run that
    began after its call has finished (so it sees everything up to its call); callers that
    arrive while a run is under way share the one after it. A run's error reaches every caller
    that shared it; a caller cancelled while waiting does not cancel the run."""

    def __init__(self, action: Callable[[], Awaitable[None]]) -> None:
        self._action = action
        self._running: asyncio.Task[None] | None = None
        self._next: asyncio.Task[None] | None = None

    async def __call__(self) -> None:
        if self._next is None:
            self._next = asyncio.ensure_future(self._after(self._running))
            self._next.add_done_callback(_retrieve)
        await asyncio.shield(self._next)

    async def _after(self, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        self._running, self._next = self._next, None
        await self._action()


def _retrieve(task: asyncio.Task[None]) -> None:
    """Marks a run's error as seen: the callers that shared it got it, or none is left."""
    if not task.cancelled():
        task.exception()
