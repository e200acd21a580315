"""One /metrics for every worker process of a `trading up` run (app/workers.py).

Each worker is its own Python process with its own metric values, and a scrape of the shared
edge port reaches whichever worker the kernel hands the connection to. So the run uses
prometheus_client's multiprocess mode: the parent makes a fresh directory for the run and names
it in PROMETHEUS_MULTIPROC_DIR before it starts any worker (a worker reads it when it first imports
prometheus_client, so it must be in the environment the worker starts with); every worker writes
its values there, and any worker's /metrics merges them all (core/metrics.py). A worker that dies
keeps its counters and histograms in the directory, so the run's totals never go back; its "live"
gauges are dropped when the parent marks it dead. The directory is removed when the run ends.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client.multiprocess import mark_process_dead

from core.metrics import MULTIPROC_DIR_ENV


@contextmanager
def shared_metrics(data_dir: Path, run_id: str) -> Iterator[Path]:
    """A fresh directory for the run's metric files, named in this process' environment (so every
    worker started meanwhile inherits it); removed, and the environment restored, on exit."""
    directory = data_dir / "metrics" / run_id
    directory.mkdir(parents=True)  # a fresh one: another run's files would be summed in
    before = os.environ.get(MULTIPROC_DIR_ENV)
    os.environ[MULTIPROC_DIR_ENV] = str(directory)
    try:
        yield directory
    finally:
        if before is None:
            os.environ.pop(MULTIPROC_DIR_ENV, None)
        else:
            os.environ[MULTIPROC_DIR_ENV] = before
        shutil.rmtree(directory, ignore_errors=True)


def worker_gone(directory: Path, pid: int) -> None:
    """A worker process ended: its live gauges (its breakers, its health checks) stop counting;
    its counters and histograms stay in the run's totals."""
    mark_process_dead(pid, str(directory))
