"""Health checks on the seed 10.2 schedule (injected clock), their metrics, SERVING that follows
them, and /health that reports them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import pytest
from prometheus_client import REGISTRY

from core import breaker
from core.breaker import METAAPI, CircuitBreaker
from core.bus import InProcessBus
from core.clock import TestClock
from core.db import Database
from core.health import (
    POSTGRES_EVERY_S,
    RETRY_WHILE_DOWN_S,
    Check,
    HealthMonitor,
    Readiness,
    database_check,
    redis_check,
)
from core.server import Server, create_server
from edge.health import health_report

SERVICE = "trading.ops.v1.Probe"


class Dependency:
    """A probe whose answer the test sets, counting its calls."""

    def __init__(self) -> None:
        self.up = True
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1
        if not self.up:
            raise ConnectionError("refused")


def up(name: str) -> float | None:
    return REGISTRY.get_sample_value("dependency_up", {"dependency": name})


async def test_checks_run_on_their_schedule_and_retry_sooner_while_down() -> None:
    clock, dep = TestClock(), Dependency()
    monitor = HealthMonitor([Check("ops_dep", POSTGRES_EVERY_S, dep)], clock)
    assert await monitor.run_due() == ["ops_dep"]
    assert await monitor.run_due() == []
    clock.advance(POSTGRES_EVERY_S - 1)
    assert await monitor.run_due() == []
    clock.advance(1)
    dep.up = False
    assert await monitor.run_due() == ["ops_dep"]
    assert up("ops_dep") == 0
    assert monitor.report()["ops_dep"]["ok"] is False
    clock.advance(RETRY_WHILE_DOWN_S)
    dep.up = True
    assert await monitor.run_due() == ["ops_dep"]
    assert up("ops_dep") == 1
    assert dep.calls == 3


async def test_a_service_is_serving_only_while_its_dependencies_are_up() -> None:
    clock, dep = TestClock(), Dependency()
    monitor = HealthMonitor([Check("db", 10, dep)], clock)
    seen: list[tuple[str, bool]] = []

    async def set_status(name: str, serving: bool) -> None:
        seen.append((name, serving))

    Readiness(monitor, set_status, {"trading.x.v1.X": ["db"]})
    await monitor.run_due()
    dep.up = False
    clock.advance(10)
    await monitor.run_due()
    clock.advance(RETRY_WHILE_DOWN_S)
    await monitor.run_due()  # still down: no second change
    dep.up = True
    clock.advance(RETRY_WHILE_DOWN_S)
    await monitor.run_due()
    assert seen == [("trading.x.v1.X", True), ("trading.x.v1.X", False), ("trading.x.v1.X", True)]


async def test_the_database_check_queries_the_real_database(
    make_database: Callable[..., Awaitable[Database]],
) -> None:
    db = await make_database()
    monitor = HealthMonitor([database_check(db)], TestClock())
    await monitor.run_due()
    name = "sqlite" if db.is_sqlite else "postgres"
    assert monitor.report()[name]["ok"] is True


async def test_a_database_that_does_not_answer_fails_its_check() -> None:
    db = Database("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    try:
        monitor = HealthMonitor([database_check(db)], TestClock())
        await monitor.run_due()
        assert monitor.report()["postgres"]["ok"] is False
        assert up("postgres") == 0
    finally:
        await db.dispose()


@pytest.mark.redis
async def test_redis_answers_ping(redis_url: str) -> None:
    monitor = HealthMonitor([redis_check(redis_url)], TestClock())
    await monitor.run_due()
    assert monitor.report()["redis"]["ok"] is True


async def test_redis_that_is_gone_fails_its_check() -> None:
    monitor = HealthMonitor([redis_check("redis://127.0.0.1:1/0")], TestClock())
    await monitor.run_due()
    assert monitor.report()["redis"]["ok"] is False


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, grpc.aio.Channel]]:
    started, port = await create_server("127.0.0.1:0", [], [SERVICE])
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield started, channel
    await channel.close()
    await started.stop(0)


async def test_health_reports_dependencies_breakers_and_not_serving_services(
    server: tuple[Server, grpc.aio.Channel],
) -> None:
    grpc_server, channel = server
    clock, database = TestClock(), Dependency()
    monitor = HealthMonitor([Check("postgres", 10, database)], clock)
    await monitor.run_due()

    async def report() -> tuple[bool, dict[str, Any]]:
        return await health_report(lambda domain: channel, InProcessBus(), [SERVICE], monitor=monitor)

    serving, body = await report()
    assert serving
    assert body["services"] == {SERVICE: "SERVING"}
    assert body["dependencies"]["postgres"]["ok"] is True

    metaapi = CircuitBreaker("ops-health-metaapi", METAAPI, clock)
    try:
        for _ in range(METAAPI.failure_threshold):
            metaapi.record_failure()
        serving, body = await report()
        assert serving
        assert body["status"] == "degraded"
        assert body["breakers"]["ops-health-metaapi"] == "open"
    finally:
        breaker.REGISTRY.pop("ops-health-metaapi")

    await grpc_server.set_service_serving(SERVICE, False)
    serving, body = await report()
    assert serving
    assert body["status"] == "degraded"
    assert body["services"] == {SERVICE: "NOT_SERVING"}

    database.up = False
    clock.advance(10)
    await monitor.run_due()
    serving, body = await report()
    assert not serving
    assert body["status"] == "degraded"
    assert body["dependencies"]["postgres"]["ok"] is False
