"""What the all-in-one run and its worker processes share: the stop signal, the first-start
bootstrap, the edge with its webhooks, the descriptor and the printed URLs."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from aiohttp import web

from core.health import HealthMonitor
from core.service import ServiceContext, ServiceSpec, bootstrap_spec
from core.settings import Settings
from svc_billing.config import BillingSettings

log = logging.getLogger("app.up")

# Connections the kernel queues for the edge before it accepts them. WebSockets come in bursts
# (a page load, clients reconnecting after a restart); with aiohttp's 128 a burst of hundreds on
# a busy machine overflowed the queue, and Envoy answered 503 when its 1 s connect timed out.
EDGE_BACKLOG = 4096


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def bootstrap(ctx: ServiceContext, specs: list[ServiceSpec], settings: Mapping[str, Any]) -> None:
    """First-start work of every service (demo data, first models), in registry order, with the
    settings the run built for each."""
    for spec in specs:
        if spec.bootstrap is None:
            continue
        log.info("bootstrapping", extra={"fields": {"service": spec.name}})
        try:
            await bootstrap_spec(spec, ctx, settings.get(spec.name))
        except Exception:
            log.exception("bootstrap failed", extra={"fields": {"service": spec.name}})


async def start_edge(
    settings: Settings,
    ctx: ServiceContext,
    services: list[str],
    monitor: HealthMonitor | None = None,
    *,
    billing_settings: BillingSettings | None = None,
    reuse_port: bool = False,
) -> web.AppRunner:
    """The edge; it starts before Envoy, which fetches the JWKS from it before opening its listener.
    With `reuse_port`, several worker processes serve the one edge port (app/workers.py). Every
    answer names the process that gave it (`x-trading-replica`): a worker, or an edge replica of
    the split run."""
    from trading.agent.v1.agent_service_pb2_grpc import AgentServiceStub

    from app.openapi import render_openapi
    from core.revocation import SessionVersions
    from edge.app import create_app
    from edge.channels import AgentChatOwners

    billing, secret = stripe_webhook_wiring(ctx, billing_settings or BillingSettings())
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
        broker_webhook_secret=broker_webhook_wiring(ctx),
        chat_owner=chat_owner,
        session_versions=versions,
        openapi=document,
        monitor=monitor,
    )
    app.on_response_prepare.append(replica_header)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(
        runner, settings.grpc_host, settings.edge_port, backlog=EDGE_BACKLOG, reuse_port=reuse_port or None
    ).start()
    return runner


async def replica_header(request: web.Request, response: web.StreamResponse) -> None:
    """Which worker process answered (a WebSocket's upgrade included), as gRPC answers say it."""
    from app.runtime import REPLICA_HEADER
    from core.lease import replica_id

    response.headers[REPLICA_HEADER] = replica_id()


def stripe_webhook_wiring(ctx: ServiceContext, billing: BillingSettings) -> tuple[object, str]:
    """Billing's stub (with the internal key) and the Stripe webhook secret for the edge."""
    from trading.billing.v1.billing_service_pb2_grpc import BillingServiceStub

    from svc_billing.config import webhook_secret

    secret = webhook_secret(billing, ctx.clients.api_key or "")
    return ctx.clients.stub(BillingServiceStub, "billing"), secret


def broker_webhook_wiring(ctx: ServiceContext) -> str:
    """The MetaAPI webhook secret: configured, else derived from the internal key as Stripe's is."""
    from svc_broker.investment.webhook_wire import BrokerWebhookSettings, webhook_secret

    return webhook_secret(BrokerWebhookSettings(), ctx.clients.api_key or "")


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
