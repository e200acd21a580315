"""`trading up` (every service, the edge and Envoy on one machine) and `trading serve`."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
from contextlib import suppress

from aiohttp import web
from pydantic import SecretStr

from app import envoy
from app.migrate import migrate
from app.registry import load_spec, load_specs
from app.runtime import Runtime, make_context
from core.health import HealthMonitor
from core.server import start_status_http
from core.service import ServiceContext, ServiceSpec
from core.settings import Settings

log = logging.getLogger("app.up")
ENVOY_BASE_ID = 7


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def bootstrap(ctx: ServiceContext, specs: list[ServiceSpec]) -> None:
    """First-start work of every service (demo data, first models), in registry order."""
    for spec in specs:
        if spec.bootstrap is None:
            continue
        log.info("bootstrapping", extra={"fields": {"service": spec.name}})
        try:
            await spec.bootstrap(ctx)
        except Exception:
            log.exception("bootstrap failed", extra={"fields": {"service": spec.name}})


async def start_edge(
    settings: Settings,
    ctx: ServiceContext,
    services: list[str],
    monitor: HealthMonitor | None = None,
    *,
    reuse_port: bool = False,
) -> web.AppRunner:
    """The edge; it starts before Envoy, which fetches the JWKS from it before opening its listener.
    With `reuse_port`, several worker processes serve the one edge port (app/workers.py)."""
    from trading.agent.v1.agent_service_pb2_grpc import AgentServiceStub

    from app.openapi import render_openapi
    from core.revocation import SessionVersions
    from edge.app import create_app
    from edge.channels import AgentChatOwners

    billing, secret = stripe_webhook_wiring(ctx)
    chat_owner = AgentChatOwners(ctx.clients.stub(AgentServiceStub, "agent"), ctx.clock)
    versions = SessionVersions(ctx.kv, ctx.bus, ctx.clock)
    document = render_openapi(settings_descriptor(), services)
    app = create_app(
        settings,
        ctx.bus,
        ctx.keys,
        ctx.clients.channel,
        services=services,
        billing=billing,
        stripe_webhook_secret=secret,
        chat_owner=chat_owner,
        session_versions=versions,
        openapi=document,
        monitor=monitor,
    )
    if reuse_port:
        app.on_response_prepare.append(replica_header)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.grpc_host, settings.edge_port, reuse_port=reuse_port or None).start()
    return runner


async def replica_header(request: web.Request, response: web.StreamResponse) -> None:
    """Which worker process answered (a WebSocket's upgrade included), as gRPC answers say it."""
    from app.runtime import REPLICA_HEADER
    from core.lease import replica_id

    response.headers[REPLICA_HEADER] = replica_id()


def stripe_webhook_wiring(ctx: ServiceContext) -> tuple[object, str]:
    """Billing's stub (with the internal key) and the Stripe webhook secret for the edge."""
    from trading.billing.v1.billing_service_pb2_grpc import BillingServiceStub

    from svc_billing.config import BillingSettings, webhook_secret

    secret = webhook_secret(BillingSettings(), ctx.clients.api_key or "")
    return ctx.clients.stub(BillingServiceStub, "billing"), secret


async def run_all_in_one(
    settings: Settings,
    *,
    with_envoy: bool = True,
    bootstrap_first: bool = True,
    envoy_base_id: int = ENVOY_BASE_ID,
) -> int:
    from app.workers import run_workers, worker_count

    count, why_one = worker_count(settings)
    if why_one and settings.workers > 1:
        log.warning("one server process", extra={"fields": {"workers": settings.workers, "because": why_one}})
    if count > 1:
        return await run_workers(
            settings,
            count,
            with_envoy=with_envoy,
            bootstrap_first=bootstrap_first,
            envoy_base_id=envoy_base_id,
        )
    specs = load_specs()
    if settings.proxy_secret is None:
        settings.proxy_secret = SecretStr(secrets.token_urlsafe(32))  # this run's Envoy and services
    await asyncio.to_thread(migrate, settings, specs)
    ctx = make_context(settings)
    runtime = Runtime(ctx, specs, "all-in-one")
    port = await runtime.start(f"{settings.grpc_host}:{settings.grpc_port}")
    edge_runner: web.AppRunner | None = None
    proxy = None
    boot = None
    try:  # a start that fails half-way still stops what it started
        edge_runner = await start_edge(settings, ctx, runtime.grpc_services, runtime.monitor)
        if with_envoy:
            config = envoy.render_envoy_config(settings, settings_descriptor(), runtime.grpc_services)
            path = envoy.write_envoy_config(config, settings.data_dir / "envoy.yaml")
            workers = settings.envoy_workers or max(1, (os.cpu_count() or 2) // 2)
            proxy = await envoy.start_envoy(
                path, envoy_base_id, concurrency=workers, log_path=settings.data_dir / "envoy.log"
            )
            await envoy.wait_ready(settings.envoy_admin_port, process=proxy)
        boot = asyncio.create_task(bootstrap(ctx, specs)) if bootstrap_first else None
        print_urls(settings, port, with_envoy)
        await _stop_event().wait()
    except Exception:
        log.exception("the platform stopped on an error")
        raise
    finally:
        log.info("stopping")
        if boot is not None:
            boot.cancel()
        if proxy is not None:
            await envoy.stop_envoy(proxy)
        if edge_runner is not None:
            await edge_runner.cleanup()
        await runtime.stop()
    return 0


def settings_descriptor():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "gen" / "descriptor.binpb"


def print_urls(settings: Settings, port: int, with_envoy: bool, *, workers: list[str] | None = None) -> None:
    lines = [
        "",
        "The trading platform is up.",
        f"  gRPC (all services)   {settings.grpc_host}:{port}"
        f"   grpcurl -plaintext {settings.grpc_host}:{port} list",
        f"  edge (ws, webhooks)   http://{settings.grpc_host}:{settings.edge_port}",
    ]
    if workers:
        lines += [f"  {line}" for line in workers]
    if with_envoy:
        lines += [
            f"  REST + web (Envoy)    http://localhost:{settings.envoy_port}"
            f"   curl localhost:{settings.envoy_port}/health",
            f"  Envoy admin           http://127.0.0.1:{settings.envoy_admin_port}",
        ]
    lines.append("Ctrl-C stops everything.\n")
    print("\n".join(lines), flush=True)


async def run_single(settings: Settings, name: str, *, port: int | None = None) -> int:
    """The split run: one service on its own port, PostgreSQL and Redis by URL."""
    spec = load_spec(name)
    if port is not None:
        settings.grpc_port = port
    ctx = make_context(settings)
    runtime = Runtime(ctx, [spec], "split")
    bound = await runtime.start(f"{settings.grpc_host}:{settings.grpc_port}")
    log.info("serving", extra={"fields": {"service": name, "port": bound}})
    print(f"{name} serving on {settings.grpc_host}:{bound}", flush=True)
    status_http = None
    if settings.metrics_port is not None and runtime.server is not None:
        status_http = await start_status_http(
            settings.grpc_host, settings.metrics_port, runtime.server, runtime.monitor
        )
        metrics_port = status_http.addresses[0][1]
        print(f"{name} metrics on http://{settings.grpc_host}:{metrics_port}/metrics", flush=True)
    try:
        await _stop_event().wait()
    finally:
        if status_http is not None:
            await status_http.cleanup()
        await runtime.stop()
    return 0
