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


def freeze_startup_heap() -> None:
    """Once a process has started: collect what start-up left behind, then leave the rest out of
    every later collection."""
    gc.collect()
    gc.freeze()


def thaw_heap() -> None:
    """When the process stops serving (or an in-process run of the platform ends): frozen
    objects that became garbage since are collected again."""
    gc.unfreeze()
