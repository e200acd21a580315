"""NextRun: one run at a time, and callers that arrive during a run share the next one."""

from __future__ import annotations

import asyncio

import pytest

from core.coalesce import NextRun


class Gated:
    """An action that counts its runs and finishes each only when let through."""

    def __init__(self) -> None:
        self.started = 0
        self.finished = 0
        self.gate = asyncio.Event()
        self.began = asyncio.Event()
        self.fail = False

    async def __call__(self) -> None:
        self.started += 1
        self.began.set()
        await self.gate.wait()
        self.gate.clear()
        self.finished += 1
        if self.fail:
            raise RuntimeError("the write failed")


async def _until_started(action: Gated, runs: int) -> None:
    while action.started < runs:
        action.began.clear()
        await action.began.wait()


async def test_callers_during_a_run_share_the_next_run() -> None:
    action = Gated()
    run = NextRun(action)
    first = asyncio.create_task(run())
    await _until_started(action, 1)
    later = [asyncio.create_task(run()) for _ in range(5)]
    await asyncio.sleep(0)
    assert action.started == 1  # one run at a time
    action.gate.set()
    await first
    assert not any(task.done() for task in later)  # theirs began after their call: the next one
    await _until_started(action, 2)
    action.gate.set()
    await asyncio.gather(*later)
    assert (action.started, action.finished) == (2, 2)


async def test_a_caller_with_no_run_under_way_gets_its_own_run() -> None:
    action = Gated()
    run = NextRun(action)
    for expected in (1, 2):
        task = asyncio.create_task(run())
        await _until_started(action, expected)
        action.gate.set()
        await task
    assert action.finished == 2


async def test_a_runs_error_reaches_every_caller_that_shared_it_and_the_next_run_happens() -> None:
    action = Gated()
    action.fail = True
    run = NextRun(action)
    callers = [asyncio.create_task(run()) for _ in range(3)]
    await _until_started(action, 1)
    action.gate.set()
    for caller in callers:
        with pytest.raises(RuntimeError):
            await caller
    action.fail = False
    task = asyncio.create_task(run())
    await _until_started(action, 2)
    action.gate.set()
    await task


async def test_a_cancelled_caller_does_not_cancel_the_run() -> None:
    action = Gated()
    run = NextRun(action)
    leaving = asyncio.create_task(run())
    staying = asyncio.create_task(run())
    await _until_started(action, 1)
    leaving.cancel()
    action.gate.set()
    await staying
    assert action.finished == 1
