"""GET /health: the gRPC health of every service, whether the bus answers and, with the process'
health monitor, PostgreSQL, Redis, the inference engine (GPU and provider) and every breaker.

503 when the platform cannot serve (a service unreachable, the bus, the database or Redis down);
200 with status "degraded" when it serves with a part missing (a service NOT_SERVING, no model
loaded, a breaker open); 200 "ok" otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from core import breaker
from core.bus import Bus
from core.health import HealthMonitor

# ChannelFactory("market") -> a channel to the server of that service (`Settings.address_of`).
ChannelFactory = Callable[[str], grpc.aio.Channel]
GpuProbe = Callable[[], Awaitable[dict[str, Any]]]
CHECK_TIMEOUT_S = 3.0  # a loaded machine must not read as a down service
SERVING = "SERVING"


def domain_of(service: str) -> str:
    """ "market" for "trading.market.v1.MarketService"; "" (the shared server) for anything else."""
    parts = service.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "trading" else ""


async def service_status(channels: ChannelFactory, service: str) -> str:
    """SERVING, NOT_SERVING, SERVICE_UNKNOWN, or UNREACHABLE when the call itself fails."""
    stub = health_pb2_grpc.HealthStub(channels(domain_of(service)))
    try:
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=CHECK_TIMEOUT_S)
    except grpc.aio.AioRpcError as e:
        return "SERVICE_UNKNOWN" if e.code() == grpc.StatusCode.NOT_FOUND else "UNREACHABLE"
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


async def bus_status(bus: Bus) -> str:
    """Publishing to a channel nobody reads proves the bus (Redis, in the split run) answers."""
    try:
        await asyncio.wait_for(bus.publish("edge:health", b""), CHECK_TIMEOUT_S)
    except Exception:
        return "UNREACHABLE"
    return "OK"


# Checks whose failure means the platform cannot serve at all; the others degrade it.
HARD_CHECKS = frozenset({"postgres", "sqlite", "redis"})


async def health_report(
    channels: ChannelFactory,
    bus: Bus,
    services: Sequence[str],
    gpu_probe: GpuProbe | None = None,
    monitor: HealthMonitor | None = None,
) -> tuple[bool, dict[str, Any]]:
    """(serving, body): serving unless a service is unreachable or the bus, database or Redis is
    down; the body says "ok" only when nothing at all is wrong."""
    names = list(services) or [""]
    statuses, bus_state = await asyncio.gather(
        asyncio.gather(*(service_status(channels, s) for s in names)), bus_status(bus)
    )
    by_name = {name or "server": status for name, status in zip(names, statuses, strict=True)}
    body: dict[str, Any] = {"services": by_name, "bus": bus_state}
    hard = bus_state != "OK" or any(s not in (SERVING, "NOT_SERVING") for s in statuses)
    soft = any(s != SERVING for s in statuses)
    if monitor is not None:
        checks = monitor.report()
        states = breaker.states()
        body["dependencies"] = checks
        body["breakers"] = states
        hard = hard or any(not c["ok"] for name, c in checks.items() if name in HARD_CHECKS)
        soft = soft or any(not c["ok"] for c in checks.values())
        soft = soft or any(v != breaker.CLOSED for v in states.values())
        engine = checks.get("ml_engine")
        if engine is not None and "gpu" in engine:
            body["gpu"] = {"gpu": engine["gpu"], "provider": engine["provider"]}
    if gpu_probe is not None:
        body["gpu"] = await gpu_probe()
    body = {"status": "degraded" if hard or soft else "ok", **body}
    return not hard, body
