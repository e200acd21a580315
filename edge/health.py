"""GET /health: the gRPC health of every service and whether the bus answers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from core.bus import Bus

# ChannelFactory("market") -> a channel to the server of that service (`Settings.address_of`).
ChannelFactory = Callable[[str], grpc.aio.Channel]
GpuProbe = Callable[[], Awaitable[dict[str, Any]]]
CHECK_TIMEOUT_S = 1.0
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


async def health_report(
    channels: ChannelFactory, bus: Bus, services: Sequence[str], gpu_probe: GpuProbe | None = None
) -> tuple[bool, dict[str, Any]]:
    """(healthy, body): healthy when every service is SERVING and the bus answers."""
    names = list(services) or [""]
    statuses, bus_state = await asyncio.gather(
        asyncio.gather(*(service_status(channels, s) for s in names)), bus_status(bus)
    )
    by_name = {name or "server": status for name, status in zip(names, statuses, strict=True)}
    healthy = bus_state == "OK" and all(s == SERVING for s in statuses)
    body: dict[str, Any] = {"status": "ok" if healthy else "degraded", "services": by_name, "bus": bus_state}
    if gpu_probe is not None:
        body["gpu"] = await gpu_probe()
    return healthy, body
