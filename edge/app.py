"""The edge: the aiohttp app behind Envoy for what is not gRPC.

GET /.well-known/jwks.json, GET /health, WS /ws (the hub), the vendor webhooks and the browser
app. It holds no data of its own: events come from the bus, health from the services.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from core.bus import Bus
from core.clock import Clock
from core.health import HealthMonitor
from core.keys import KeyStore
from core.revocation import SessionVersions
from core.settings import Settings
from edge.api_docs import add_api_docs
from edge.broker_webhook import broker_webhook
from edge.channels import ChatOwnerCheck, deny_all_chats
from edge.health import ChannelFactory, GpuProbe, health_report
from edge.metrics import add_metrics_route, timed_encoder
from edge.static import static_handler
from edge.symbol_streams import add_symbol_streams
from edge.webhooks import not_configured, stripe_webhook
from edge.ws_hub import Hub, Sessions, websocket_handler

HUB = web.AppKey("hub", Hub)
# HTTP status -> google.rpc.Code for the edge's own errors (unknown path, wrong method, too large).
RPC_CODE_OF_STATUS = {400: 3, 401: 16, 403: 7, 404: 5, 405: 12, 413: 8, 429: 8, 500: 13, 501: 12, 503: 14}


@web.middleware
async def json_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Errors as google.rpc.Status JSON, like every other error through the gateway."""
    try:
        return await handler(request)  # type: ignore[no-any-return]
    except web.HTTPException as e:
        if e.status < 400:
            raise
        body = {"code": RPC_CODE_OF_STATUS.get(e.status, 2), "message": e.reason, "details": []}
        headers = {k: v for k, v in e.headers.items() if k.lower() in ("allow", "retry-after")}
        return web.json_response(body, status=e.status, headers=headers)


DEFAULT_WEB_ROOT = Path("web/dist")


def create_app(
    settings: Settings,
    bus: Bus,
    keys: KeyStore,
    grpc_channel_factory: ChannelFactory,
    *,
    services: Sequence[str] = (),
    chat_owner: ChatOwnerCheck = deny_all_chats,
    web_root: Path = DEFAULT_WEB_ROOT,
    gpu_probe: GpuProbe | None = None,
    billing: Any = None,
    stripe_webhook_secret: str = "",
    broker_webhook_secret: str | None = None,
    clock: Clock | None = None,
    session_versions: SessionVersions | None = None,
    openapi: dict[str, Any] | None = None,
    monitor: HealthMonitor | None = None,
) -> web.Application:
    """The edge app. `services` are the gRPC service names /health checks (none: the server).
    `billing` (a BillingService stub with the service credential) and `stripe_webhook_secret`
    turn on `/payments/webhook`; `broker_webhook_secret` (None: from the settings) signs
    `/broker/webhook`. With `session_versions`, WebSockets of ended sessions are refused
    and closed (core.revocation)."""
    app = web.Application(client_max_size=settings.max_message_bytes, middlewares=[json_errors])
    hub = Hub(bus, timed_encoder(clock or Clock()))
    app[HUB] = hub
    sessions = Sessions(session_versions)

    async def jwks(request: web.Request) -> web.Response:
        # Cached for less than the key publish delay (90 s), so a new key is seen before it signs.
        return web.json_response(keys.jwks(), headers={"Cache-Control": "public, max-age=60"})

    async def health(request: web.Request) -> web.Response:
        healthy, body = await health_report(grpc_channel_factory, bus, services, gpu_probe, monitor)
        return web.json_response(body, status=200 if healthy else 503, headers={"Cache-Control": "no-store"})

    async def close_hub(app: web.Application) -> None:
        await hub.close()

    app.on_shutdown.append(close_hub)
    if session_versions is not None:
        app.cleanup_ctx.append(_listening(session_versions))
    app.router.add_get("/.well-known/jwks.json", jwks)
    app.router.add_get("/health", health)
    add_metrics_route(app)
    app.router.add_get("/ws", websocket_handler(hub, keys, chat_owner, sessions=sessions))
    add_symbol_streams(app, hub, keys, chat_owner)
    if openapi is not None:
        add_api_docs(app, openapi)
    if billing is not None and stripe_webhook_secret:
        app.router.add_post("/payments/webhook", stripe_webhook(billing, stripe_webhook_secret, clock))
    else:
        app.router.add_post(
            "/payments/webhook", not_configured("Stripe", "TRADING_BILLING_STRIPE_WEBHOOK_SECRET")
        )
    app.router.add_post("/broker/webhook", broker_webhook(bus, clock, broker_webhook_secret))
    app.router.add_get("/{tail:.*}", static_handler(web_root))
    return app


def _listening(versions: SessionVersions):
    """Apply pushed session revocations for the life of the app."""

    async def run(app: web.Application):
        task = asyncio.create_task(versions.listen(), name="edge-session-versions")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return run
