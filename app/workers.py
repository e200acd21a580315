"""`trading up` on every core: several server processes behind one Envoy.

Python serves on one core per process, so the all-in-one run starts TRADING_WORKERS processes
(0, the default: one per core). Each worker (app/worker.py) serves every service on the shared
gRPC port (SO_REUSEPORT: a direct client's connection lands on any of them) and on a private
port; Envoy's service cluster lists the private ports and balances calls round robin over them
with health checks (HTTP/2 would otherwise pin all of Envoy's calls to the one worker its few
connections landed on). The edge shares its port the same way; each WebSocket is its own
connection, so the kernel spreads them.

The workers share the database and the bus, so this needs Redis (bus, key-value store, leases)
and PostgreSQL: the embedded default (in-process bus, SQLite's one writer) runs one process.

This process (the parent) migrates, makes the first signing key and the run's shared metrics
directory (app/run_metrics.py: any worker's /metrics answers for all), starts the workers, renders
and starts Envoy, and watches: a worker that dies (a signal, an error) is reported, its live
metric gauges dropped, and started again on the same ports; a worker that exits cleanly (it
was told to stop) stops the run; more than MAX_RESTARTS restarts within RESTART_WINDOW_S stop
it too (exit status 1). SIGINT or SIGTERM stops Envoy, then every worker (SIGTERM, then SIGKILL
after GRACE_S).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import secrets
import time
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from app.run_metrics import shared_metrics, worker_gone
from app.worker import WorkerSpec, worker_main
from core.ports import free_port
from core.settings import Settings

if TYPE_CHECKING:
    from core.service import ServiceSpec

log = logging.getLogger("app.workers")
READY_TIMEOUT_S = 180.0
GRACE_S = 15.0
MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0


def worker_count(settings: Settings) -> tuple[int, str]:
    """How many server processes this run gets, and why fewer than asked when it is so."""
    wanted = settings.workers or os.cpu_count() or 1
    if wanted <= 1:
        return 1, ""
    if not settings.redis_url:
        return 1, "the in-process bus and key-value store (no TRADING_REDIS_URL) serve one process"
    if settings.effective_database_url.startswith("sqlite"):
        return 1, "SQLite (no TRADING_DATABASE_URL) takes one writer at a time"
    return wanted, ""


def prepare_shared_state(settings: Settings) -> dict[str, str]:
    """What every worker must agree on before any starts: fixed ports instead of "any free one",
    one proxy secret, one first signing key, one internal key, and one Stripe twin (leased to one
    worker on a fixed port, so every worker's billing talks to the same twin). Returns environment
    for the workers."""
    from app.credentials import internal_api_key
    from core.clock import Clock
    from core.keys import KeyStore

    if settings.proxy_secret is None:
        settings.proxy_secret = SecretStr(secrets.token_urlsafe(32))
    if settings.grpc_port == 0:
        settings.grpc_port = free_port()
    if settings.edge_port == 0:
        settings.edge_port = free_port()
    KeyStore(settings.keys_dir, settings.jwt_issuer, settings.jwt_audience, Clock()).active()
    internal_api_key(settings)  # made once here, read by every worker
    env: dict[str, str] = {}
    from svc_billing.config import BillingSettings

    billing = BillingSettings()
    if billing.stripe_secret_key is None and billing.twin_port == 0:
        env["TRADING_BILLING_TWIN_PORT"] = str(free_port(billing.twin_host))
    return env


@dataclass
class Running:
    spec: WorkerSpec
    process: BaseProcess
    pid: int
    started: float


@dataclass
class WorkerPool:
    """The worker processes of one run, started, watched and stopped."""

    settings: Settings
    count: int
    bootstrap: bool
    env: dict[str, str] = field(default_factory=dict)
    running: dict[int, Running] = field(default_factory=dict)
    restarts: list[float] = field(default_factory=list)
    metrics_dir: Path | None = None  # the run's shared metric files (app/run_metrics.py)

    def __post_init__(self) -> None:
        self._mp = multiprocessing.get_context("spawn")
        self.ports = [free_port() for _ in range(self.count)]
        self.run_id = secrets.token_hex(4)  # names this run's leases: a crashed run's never block it
        self.stopping = False

    @property
    def private_addresses(self) -> list[str]:
        return [f"127.0.0.1:{port}" for port in self.ports]

    def describe(self) -> list[str]:
        return [
            f"worker {i}  pid {r.pid}  gRPC {r.spec.private_address}" for i, r in sorted(self.running.items())
        ]

    async def start(self) -> None:
        """Start every worker; returns once all serve, raises if one fails to. Worker 0 first: a
        service's build may create what is missing (market's catalogue and roll-ups), which two
        processes building at once would both try."""
        await self._start_one(0)
        await asyncio.gather(*(self._start_one(i) for i in range(1, self.count)))

    async def _start_one(self, index: int) -> Running:
        spec = WorkerSpec(
            self.settings, index, self.count, self.ports[index], self.bootstrap, self.run_id, self.env
        )
        receiving, sending = self._mp.Pipe(duplex=False)
        process = self._mp.Process(target=worker_main, args=(spec, sending), name=f"trading-worker-{index}")
        process.start()
        sending.close()
        try:
            hello = await asyncio.to_thread(_receive, receiving, READY_TIMEOUT_S)
        finally:
            receiving.close()
        if hello is None:
            await asyncio.to_thread(process.join, GRACE_S)  # let it report why
            process.kill()
            await asyncio.to_thread(process.join, GRACE_S)
            raise RuntimeError(f"worker {index} did not start (exit status {process.exitcode})")
        running = Running(spec, process, int(hello["pid"]), time.monotonic())
        self.running[index] = running
        log.info("worker ready", extra={"fields": {"worker": index, "pid": running.pid}})
        return running

    async def watch(self) -> int:
        """Until the run must stop: restart workers that die. Returns the run's exit status."""
        loop = asyncio.get_running_loop()
        while True:
            exited: asyncio.Future[int] = loop.create_future()
            for index, running in self.running.items():
                loop.add_reader(running.process.sentinel, _settle, exited, index)
            try:
                index = await exited
            finally:
                for running in self.running.values():
                    loop.remove_reader(running.process.sentinel)
            gone = self.running.pop(index)
            gone.process.join()
            code = gone.process.exitcode
            if self.metrics_dir is not None:
                worker_gone(self.metrics_dir, gone.pid)
            if self.stopping or code == 0:
                log.info("worker stopped; stopping the run", extra={"fields": {"worker": index}})
                return 0
            log.error(
                "worker died",
                extra={"fields": {"worker": index, "pid": gone.pid, "exit_status": code}},
            )
            now = time.monotonic()
            self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW_S] + [now]
            if len(self.restarts) > MAX_RESTARTS:
                log.error(
                    "workers keep dying; stopping the run", extra={"fields": {"restarts": MAX_RESTARTS}}
                )
                return 1
            try:
                await self._start_one(index)
            except RuntimeError:
                log.exception("a worker could not be started again; stopping the run")
                return 1

    async def stop(self) -> None:
        """SIGTERM every worker, then SIGKILL those still running after GRACE_S."""
        self.stopping = True
        processes = [r.process for r in self.running.values()]
        for process in processes:
            with suppress(OSError):
                process.terminate()
        deadline = time.monotonic() + GRACE_S
        for process in processes:
            await asyncio.to_thread(process.join, max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.warning("worker did not stop in time; killing it", extra={"fields": {"pid": process.pid}})
                process.kill()
                await asyncio.to_thread(process.join, GRACE_S)
        self.running.clear()


def _receive(conn: Connection, timeout_s: float) -> dict[str, Any] | None:
    """The worker's hello, or None if it died or stayed silent."""
    try:
        if conn.poll(timeout_s):
            hello: dict[str, Any] = conn.recv()
            return hello
    except (EOFError, OSError):
        pass
    return None


def _settle(future: asyncio.Future[int], index: int) -> None:
    if not future.done():
        future.set_result(index)


def spread_over_workers(config: dict[str, Any], shared: str, workers: list[str]) -> None:
    """Point Envoy's clusters for the shared gRPC address at every worker's private address, round
    robin, each health-checked and ejected after two failed forwards (a dead worker costs no
    errors while it restarts)."""
    host, _, port = shared.rpartition(":")
    for cluster in config["static_resources"]["clusters"]:
        endpoints = cluster["load_assignment"]["endpoints"]
        address = endpoints[0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"]
        if (address["address"], str(address["port_value"])) != (host, port):
            continue
        cluster["lb_policy"] = "ROUND_ROBIN"
        cluster["load_assignment"]["endpoints"] = [
            {"lb_endpoints": [{"endpoint": {"address": _socket_address(w)}} for w in workers]}
        ]
        cluster["outlier_detection"] = {"consecutive_gateway_failure": 2, "base_ejection_time": "5s"}
        cluster["common_lb_config"] = {"healthy_panic_threshold": {"value": 0}}
        for check in cluster.get("health_checks", []):
            check["interval"] = "2s"
            check["unhealthy_threshold"] = 2


def _socket_address(address: str) -> dict[str, Any]:
    host, _, port = address.rpartition(":")
    return {"socket_address": {"address": host, "port_value": int(port)}}


async def run_workers(
    settings: Settings, count: int, *, with_envoy: bool, bootstrap_first: bool, envoy_base_id: int
) -> int:
    """The all-in-one run with `count` worker processes (the module's docstring)."""
    from app.migrate import migrate
    from app.registry import load_specs

    specs = load_specs()
    await asyncio.to_thread(migrate, settings, specs)
    env = prepare_shared_state(settings)
    pool = WorkerPool(settings, count, bootstrap_first, env)
    with shared_metrics(settings.data_dir, pool.run_id) as pool.metrics_dir:
        return await _serve(settings, pool, specs, with_envoy=with_envoy, envoy_base_id=envoy_base_id)


async def _serve(
    settings: Settings, pool: WorkerPool, specs: list[ServiceSpec], *, with_envoy: bool, envoy_base_id: int
) -> int:
    """Start the workers and Envoy, then watch until the run stops; stops everything it started."""
    from app import envoy
    from app.assembly import _stop_event, print_urls, settings_descriptor
    from app.runtime import PLATFORM_SERVICE

    stop = asyncio.ensure_future(_stop_event().wait())
    watching: asyncio.Future[int] | None = None
    proxy = None
    try:
        await pool.start()
        if with_envoy:
            services = [name for spec in specs for name in spec.grpc_services] + [PLATFORM_SERVICE]
            config = envoy.render_envoy_config(settings, settings_descriptor(), services)
            spread_over_workers(config, f"{settings.grpc_host}:{settings.grpc_port}", pool.private_addresses)
            path = envoy.write_envoy_config(config, settings.data_dir / "envoy.yaml")
            threads = envoy.envoy_threads(settings)
            proxy = await envoy.launch_envoy(
                path,
                envoy_base_id,
                settings.envoy_admin_port,
                concurrency=threads,
                log_path=settings.data_dir / "envoy.log",
            )
        print_urls(settings, settings.grpc_port, with_envoy, workers=pool.describe())
        watching = asyncio.ensure_future(pool.watch())
        await asyncio.wait({watching, stop}, return_when=asyncio.FIRST_COMPLETED)
        return watching.result() if watching.done() else 0
    finally:
        log.info("stopping")
        pool.stopping = True
        for task in (watching, stop):
            if task is not None:
                task.cancel()
        if proxy is not None:
            await envoy.stop_envoy(proxy)
        await pool.stop()
