"""A started process's heap is left out of the collector's walks, and given back when it stops."""

from __future__ import annotations

import gc

from core.heap import YOUNG_LIMIT, collector_paused, freeze_startup_heap, thaw_heap


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


def test_blocks_that_overlap_without_end_still_collect_young_garbage() -> None:
    outer = collector_paused()
    outer.__enter__()  # held open throughout, as by a stream of overlapping groups
    try:
        for _ in range(3):
            with collector_paused():
                cycles = [_Node() for _ in range(YOUNG_LIMIT)]  # a cycle each: only the collector frees it
                del cycles
            assert gc.get_count()[0] < YOUNG_LIMIT  # collected when the inner block ended
        assert not gc.isenabled()
    finally:
        outer.__exit__(None, None, None)
    assert gc.isenabled()
