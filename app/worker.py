"""One server process of a multi-process `trading up` (app/workers.py starts and watches them).

A worker builds every service, serves them on the shared gRPC port (SO_REUSEPORT) and on its
own private port (which Envoy balances over), serves the edge on the shared edge port, and runs
its background jobs as app/placement.py places them. Worker 0 also runs the first-start
bootstrap (demo data, first models). It tells the parent it is ready over a pipe, stops on
SIGTERM or SIGINT, and dies with the parent if the parent dies.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from core import logs
from core.settings import Settings

log = logging.getLogger("app.worker")
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class WorkerSpec:
    """What the parent hands a worker (pickled into the new process)."""

    settings: Settings
    index: int
    count: int
    private_port: int
    bootstrap: bool
    run_id: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def private_address(self) -> str:
        return f"127.0.0.1:{self.private_port}"


def worker_main(spec: WorkerSpec, ready: Connection) -> None:
    """The worker process's entry point."""
    os.environ.update(spec.env)
    _die_with_parent()
    logs.configure(spec.settings.log_level, spec.settings.log_json)
    from app.event_loop import run_loop

    run_loop(serve_worker(spec, ready), spec.settings)


def _die_with_parent() -> None:
    """SIGTERM this process when the parent dies, however it dies (Linux; elsewhere a no-op)."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


async def serve_worker(spec: WorkerSpec, ready: Connection) -> int:
    from app.assembly import _stop_event, bootstrap, start_edge
    from app.registry import load_specs
    from app.runtime import Runtime, Worker, make_context

    settings = spec.settings
    stop = _stop_event()
    specs = load_specs()
    ctx = make_context(settings)
    runtime = Runtime(
        ctx,
        specs,
        "all-in-one",
        worker=Worker(spec.index, spec.count, spec.private_address, spec.run_id),
    )
    edge = None
    boot = None
    try:
        await runtime.start(f"{settings.grpc_host}:{settings.grpc_port}")
        edge = await start_edge(
            settings,
            ctx,
            runtime.grpc_services,
            runtime.monitor,
            billing_settings=runtime.settings["billing"],
            reuse_port=True,
        )
        if spec.bootstrap and spec.index == 0:
            boot = asyncio.create_task(bootstrap(ctx, specs, runtime.settings))
        ready.send({"index": spec.index, "pid": os.getpid(), "private": spec.private_address})
        log.info("worker serving", extra={"fields": {"worker": spec.index, "pid": os.getpid()}})
        await stop.wait()
    finally:
        if boot is not None:
            boot.cancel()
        if edge is not None:
            await edge.cleanup()
        await runtime.stop()
        ready.close()
    return 0
