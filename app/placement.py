"""Where a service's background jobs run when `trading up` serves from several processes.

Every worker process builds every service, so every worker has every background job. Most of
them must run once across the run (a second copy would do the work twice: the investment
agents, the scorecard, mail dispatch, account-deletion consumers): those are wrapped in a
lease (core/lease.py) here, so exactly one worker runs each at a time and another takes over
within the lease's TTL if that worker dies. Jobs already leased by their service (the demo
ticker feeds, the SL/TP sweeps, the market sync, the daily snapshots) keep their own lease.

A few jobs keep this process's serving state up to date or are safe and cheaper everywhere:
those run in every worker (EVERY_WORKER). A job not listed there runs once: a new job never does
its work twice by default; a new job that keeps per-process state must be added here
(tests/app/test_workers.py checks that every name listed is still a real job).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

from core.kv import KeyValue
from core.lease import leased, replica_id
from core.outbox import OutboxRelay
from core.service import BackgroundTask, ServiceContext

log = logging.getLogger("app.placement")
Placement = Literal["every", "once", "leased"]

# (service, job qualname) of the jobs every worker runs.
EVERY_WORKER: frozenset[tuple[str, str]] = frozenset(
    {
        # the broker's symbol catalogue and quote book, which its orders fill against
        ("broker", "build.<locals>.watch_symbols"),
        ("broker", "build.<locals>.watch_prices"),
        # the champion models this process's inference engine serves
        ("inference", "build.<locals>.sync_loop"),
        # the Stripe twin: every worker serves it on the one twin port, its objects in the
        # database (a checkout made through one worker is paid on any)
        ("billing", "TwinServer.serve"),
        # plan delivery: a commit wakes its own worker's at once; an advisory lock lets one pass
        # run at a time, so a change is delivered once
        ("billing", "PlanSync.run"),
    }
)
# Outbox relays run in every worker too: a commit wakes the relay of its own process at once, and
# PostgreSQL's advisory lock lets one relay pass at a time, so each event goes out once, in order.
LEASE_TTL_S = 15.0
DONE_TTL_S = 7 * 24 * 3600.0


def job_name(task: BackgroundTask) -> str:
    return getattr(task, "__qualname__", type(task).__name__)


def placement(service: str, task: BackgroundTask) -> Placement:
    name = job_name(task)
    if name.startswith("leased("):
        return "leased"
    if isinstance(getattr(task, "__self__", None), OutboxRelay) or (service, name) in EVERY_WORKER:
        return "every"
    return "once"


def place(
    ctx: ServiceContext, run_id: str, service: str, tasks: Sequence[BackgroundTask]
) -> list[BackgroundTask]:
    """`tasks` of `service` as a worker of the multi-process run `run_id` starts them."""
    placed: list[BackgroundTask] = []
    for index, task in enumerate(tasks):
        if placement(service, task) == "once":
            name = f"up.{run_id}.{service}.{index}.{job_name(task).replace('.<locals>', '')}"
            task = leased(ctx.kv, ctx.clock, name, once(ctx.kv, name, task), ttl_s=LEASE_TTL_S)
        placed.append(task)
    return placed


def once(kv: KeyValue, name: str, job: BackgroundTask) -> BackgroundTask:
    """`job` for a lease of this run: it starts only if no worker finished it yet (a job that
    returns, like resuming interrupted work at start, is not run again by the worker that takes
    the lease next), and says which process does the work."""
    done = f"{name}:done"

    async def run() -> None:
        if await kv.get(done) is not None:
            return
        log.info("background job started", extra={"fields": {"job": name, "replica": replica_id()}})
        await job()
        await kv.set(done, replica_id().encode(), DONE_TTL_S)

    run.__qualname__ = job_name(job)
    return run
