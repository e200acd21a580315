"""gRPC server bootstrap: grpc.aio with the chassis interceptor, health and reflection."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection

from core import breaker, metrics
from core.health import HealthMonitor
from core.service import AddServicer
from core.tracing import TracingInterceptor

log = logging.getLogger("core.server")


def server_options(max_message_bytes: int, *, reuse_port: bool = False) -> list[tuple[str, Any]]:
    """Channel options set on purpose: message size, keepalive, port sharing only when asked
    (several processes of one run serving one port; otherwise a taken port is an error)."""
    return [
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.keepalive_timeout_ms", 10_000),
        ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.so_reuseport", 1 if reuse_port else 0),
    ]


class Server:
    """A started grpc.aio server and its health servicer."""

    def __init__(self, server: grpc.aio.Server, port: int, health: Any, services: Sequence[str]) -> None:
        self.server = server
        self.port = port
        self.health = health
        self.services = list(services)
        self.serving: dict[str, bool] = {}

    async def set_serving(self, serving: bool = True) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in ["", *self.services]:
            await self.health.set(name, status)
            self.serving[name] = serving

    async def set_service_serving(self, name: str, serving: bool) -> None:
        """One service's status; "" (the whole server) follows only set_serving."""
        status = (
            health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        await self.health.set(name, status)
        self.serving[name] = serving
        log.info("health", extra={"fields": {"service": name, "serving": serving}})

    async def stop(self, grace_s: float = 5.0) -> None:
        """Stop taking calls, let those in flight finish for up to grace_s, then close."""
        await self.set_serving(False)
        await self.server.stop(grace_s)


async def create_server(
    address: str,
    servicers: Iterable[tuple[AddServicer, Any]],
    service_names: Sequence[str],
    *,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    max_message_bytes: int = 8 * 1024 * 1024,
    traced: bool = True,
    reuse_port: bool = False,
    also_on: Sequence[str] = (),
) -> tuple[Server, int]:
    """Build and start a server on `address` ("host:0" picks a free port) and on the addresses
    `also_on`; returns it and the port of `address`."""
    # The trace span is outermost, so the chassis' log lines of a call carry its trace id.
    chain = [TracingInterceptor(), *interceptors] if traced else list(interceptors)
    options = server_options(max_message_bytes, reuse_port=reuse_port)
    server = grpc.aio.server(interceptors=chain, options=options)
    for add, servicer in servicers:
        add(servicer, server)
    health = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    names = [
        *service_names,
        health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
        reflection.SERVICE_NAME,
    ]
    reflection.enable_server_reflection(names, server)
    port = server.add_insecure_port(address)
    if port == 0:
        raise RuntimeError(f"could not bind {address}")
    for extra in also_on:
        if server.add_insecure_port(extra) == 0:
            raise RuntimeError(f"could not bind {extra}")
    await server.start()
    started = Server(server, port, health, service_names)
    await started.set_serving(True)
    log.info("grpc server listening", extra={"fields": {"port": port, "services": list(service_names)}})
    return started, port


async def start_status_http(host: str, port: int, server: Server, monitor: HealthMonitor) -> Any:
    """GET /metrics and GET /health of one `trading serve` process; returns the aiohttp runner
    (its bound port is `runner.addresses[0][1]`)."""
    from aiohttp import web

    async def metrics_handler(request: web.Request) -> web.Response:
        body, content_type = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def health_handler(request: web.Request) -> web.Response:
        statuses = {
            name: "SERVING" if server.serving.get(name) else "NOT_SERVING" for name in server.services
        }
        checks = monitor.report()
        serving = all(s == "SERVING" for s in statuses.values()) and all(c["ok"] for c in checks.values())
        body = {
            "status": "ok" if serving else "degraded",
            "services": statuses,
            "dependencies": checks,
            "breakers": breaker.states(),
        }
        return web.json_response(body, status=200 if serving else 503, headers={"Cache-Control": "no-store"})

    app = web.Application()
    app.router.add_get("/metrics", metrics_handler)
    app.router.add_get("/health", health_handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
