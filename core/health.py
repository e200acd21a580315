"""Background health checks on the seed 10.2 schedule, their metrics, and what SERVING means.

Each check probes one dependency (PostgreSQL, Redis, the inference engine's models) every
`interval_s` of the injected clock, more often while it fails, and publishes its result as the
`dependency_up` gauge. `Readiness` turns the results into each gRPC service's health status: a
service is SERVING only while every dependency it needs passed its last check.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core import metrics
from core.clock import Clock

log = logging.getLogger("core.health")
CHECK_TIMEOUT_S = 2.0
RETRY_WHILE_DOWN_S = 5.0
# Seed 10.2: PostgreSQL TCP ping and Redis PING every 10 s; the ML engine and data service every 60 s.
POSTGRES_EVERY_S = 10.0
REDIS_EVERY_S = 10.0
ML_ENGINE_EVERY_S = 60.0

Probe = Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class Check:
    name: str
    interval_s: float
    # Raises when the dependency fails; may return details (a dict), with "problem" when it fails.
    probe: Probe


@dataclass
class Result:
    ok: bool
    detail: str
    checked_at: datetime
    info: dict[str, Any] = field(default_factory=dict)


class HealthMonitor:
    """Runs its checks when due and keeps the last result of each."""

    def __init__(self, checks: Sequence[Check], clock: Clock | None = None) -> None:
        self.checks = list(checks)
        self.clock = clock or Clock()
        self.results: dict[str, Result] = {}
        self._due: dict[str, datetime] = {}
        self._listeners: list[Callable[[], Awaitable[None]]] = []

    def on_results(self, listener: Callable[[], Awaitable[None]]) -> None:
        self._listeners.append(listener)

    def up(self, name: str) -> bool:
        """Whether the named check passed last time (True before its first run)."""
        result = self.results.get(name)
        return result is None or result.ok

    async def run_due(self) -> list[str]:
        """Run every check that is due now; returns their names."""
        now = self.clock.now()
        due = [c for c in self.checks if self._due.get(c.name, now) <= now]
        if not due:
            return []
        results = await asyncio.gather(*(self._run(c) for c in due))
        for check, result in zip(due, results, strict=True):
            self.results[check.name] = result
            wait = check.interval_s if result.ok else min(check.interval_s, RETRY_WHILE_DOWN_S)
            self._due[check.name] = now + timedelta(seconds=wait)
        for listener in self._listeners:
            await listener()
        return [c.name for c in due]

    def seconds_to_next(self) -> float:
        if not self._due:
            return 0.0
        return max(0.0, (min(self._due.values()) - self.clock.now()).total_seconds())

    async def run(self) -> None:
        """Check on schedule for the life of the process (a background task)."""
        while True:
            await self.run_due()
            await self.clock.sleep(max(0.05, self.seconds_to_next()))

    def report(self) -> dict[str, Any]:
        """The last result of each check, for /health."""
        out: dict[str, Any] = {}
        for name, r in sorted(self.results.items()):
            out[name] = {"ok": r.ok, "detail": r.detail, "checked_at": r.checked_at.isoformat(), **r.info}
        return out

    async def _run(self, check: Check) -> Result:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                info = await check.probe()
            ok, detail = True, "ok"
            if isinstance(info, dict) and info.get("problem"):
                ok, detail = False, str(info.pop("problem"))
        except Exception as exc:  # any failure of the probe is the dependency's
            ok, detail, info = False, f"{type(exc).__name__}: {exc}"[:200], None
        metrics.HEALTH_CHECK_SECONDS.labels(check.name).observe(time.perf_counter() - started)
        metrics.HEALTH_UP.labels(check.name).set(1 if ok else 0)
        if not ok and self.up(check.name):
            log.warning("health check failed", extra={"fields": {"check": check.name, "detail": detail}})
        return Result(ok, detail, self.clock.now(), info if isinstance(info, dict) else {})


class Readiness:
    """Sets each gRPC service's health status from the checks it needs (`needs[service]`)."""

    def __init__(
        self,
        monitor: HealthMonitor,
        set_status: Callable[[str, bool], Awaitable[None]],
        needs: Mapping[str, Sequence[str]],
    ) -> None:
        self.monitor = monitor
        self.set_status = set_status
        self.needs = dict(needs)
        self.serving: dict[str, bool] = {}
        monitor.on_results(self.apply)

    async def apply(self) -> None:
        for service, checks in self.needs.items():
            serving = all(self.monitor.up(name) for name in checks)
            if self.serving.get(service) != serving:
                self.serving[service] = serving
                await self.set_status(service, serving)


def database_check(db: Any) -> Check:
    """SELECT 1 on a fresh connection from the pool: the database answers queries."""
    from sqlalchemy import text

    async def probe() -> None:
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return Check("sqlite" if db.is_sqlite else "postgres", POSTGRES_EVERY_S, probe)


def redis_check(url: str) -> Check:
    """PING on Redis."""
    import redis.asyncio as redis

    client = redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S)

    async def probe() -> None:
        if not await client.ping():
            raise ConnectionError("PING did not answer PONG")

    return Check("redis", REDIS_EVERY_S, probe)


def engine_check(clients: Any, *, own: bool = False) -> Check:
    """The inference engine answers and has models loaded (seed 10.2: ML engine every 60 s); its
    details say whether it runs on a GPU and with which provider. `own`: the engine this process
    serves (its readiness), not whichever replica is serving."""
    from trading.inference.v1 import inference_messages_pb2 as pb
    from trading.inference.v1.inference_service_pb2_grpc import InferenceServiceStub

    stub = clients.stub(InferenceServiceStub, "inference", this_process=own)

    async def probe() -> dict[str, Any]:
        reply = await stub.GetEngineHealth(pb.GetEngineHealthRequest(), timeout=CHECK_TIMEOUT_S)
        metrics.GPU_AVAILABLE.labels(reply.provider).set(1 if reply.gpu else 0)
        info: dict[str, Any] = {
            "gpu": reply.gpu,
            "provider": reply.provider,
            "models_loaded": len(reply.loaded_models),
        }
        if not reply.loaded_models:
            info["problem"] = "no model loaded"
        return info

    return Check("ml_engine", ML_ENGINE_EVERY_S, probe)
