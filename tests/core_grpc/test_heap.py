"""A started process's heap is left out of the collector's walks, and given back when it stops."""

from __future__ import annotations

import gc

from core.heap import collector_paused, freeze_startup_heap, thaw_heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_the_startup_heap_is_frozen_and_thawed() -> None:
    kept = _Node()
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())  # out of every generation's walk
    finally:
        thaw_heap()
    assert gc.get_freeze_count() == 0
    assert any(o is kept for o in gc.get_objects())


def test_the_collector_is_paused_until_the_last_overlapping_block_ends() -> None:
    assert gc.isenabled()
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()  # another task's block, begun before the first ends
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second still runs
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
