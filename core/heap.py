"""What the cyclic garbage collector walks in a long-running service.

A full collection walks every tracked object in the process. Most of them are built at start
(modules, protobuf descriptors, SQLAlchemy's mappers and caches, catalogues) and live as long as
the process, so walking them finds nothing; but while it runs, the event loop stands still and
every call in flight waits. On the 2-core bench machine a full collection over the ~130,000
objects a broker process holds took 50-150 ms, the whole of the order-to-fill tail
(docs/broker.md, "Speed"). Frozen, those objects are left out of every collection (reference
counting still frees them), and a full collection walks only what was made since.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def freeze_startup_heap() -> None:
    """Once a process has started: collect what start-up left behind, then leave the rest out of
    every later collection."""
    gc.collect()
    gc.freeze()


def thaw_heap() -> None:
    """When the process stops serving (or an in-process run of the platform ends): frozen
    objects that became garbage since are collected again."""
    gc.unfreeze()


YOUNG_LIMIT = 100_000  # objects made during overlapping paused blocks before a young collection
_paused = 0  # collector_paused() blocks open; the collector runs again when the last one ends
_resume = False  # whether the collector was on when the first of them began


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collection while a burst of short-lived objects is being made and written
    (a group of orders, a tick's closes): they die by reference counting when it ends, instead of
    being walked (with the whole heap, when the collection is a full one) and promoted by
    collections that happen to fall inside it. Blocks may nest and overlap across tasks; the
    collector runs again when the last one ends, if it was running when the first began. Should
    blocks overlap without end, one that ends with over `YOUNG_LIMIT` new objects pending runs a
    collection of the two younger generations, so cyclic garbage made meanwhile does not pile up
    there; what is older waits for the next full collection after the blocks stop overlapping."""
    global _paused, _resume
    if _paused == 0:
        _resume = gc.isenabled()
        gc.disable()
    _paused += 1
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0 and _resume:
            gc.enable()
        elif _resume and gc.get_count()[0] > YOUNG_LIMIT:
            gc.collect(1)
