"""A started process's heap is left out of the collector's walks, and given back when it stops."""

from __future__ import annotations

import gc

from core.heap import freeze_startup_heap, thaw_heap


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
