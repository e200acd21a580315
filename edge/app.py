"""The edge: the aiohttp app behind Envoy for what is not gRPC.

GET /.well-known/jwks.json, GET /health, WS /ws (the hub), the vendor webhooks and the browser
app. It holds no data of its own: events come from the bus, health from the services.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from core.bus import Bus
from core.clock import Clock
from core.keys import KeyStore
from core.settings import Settings
from edge.broker_webhook import broker_webhook
from edge.channels import ChatOwnerCheck, deny_all_chats
from edge.health import ChannelFactory, GpuProbe, health_report
from edge.static import static_handler
from edge.webhooks import not_handled_yet, stripe_webhook
from edge.ws_hub import Hub, websocket_handler

HUB = web.AppKey("hub", Hub)
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
    clock: Clock | None = None,
) -> web.Application:
    """The edge app. `services` are the gRPC service names /health checks (none: the server).
    `billing` (a BillingService stub with the service credential) and `stripe_webhook_secret`
    turn on `/payments/webhook`."""
    app = web.Application(client_max_size=settings.max_message_bytes)
    hub = Hub(bus)
    app[HUB] = hub

    async def jwks(request: web.Request) -> web.Response:
        # Cached for less than the key publish delay (90 s), so a new key is seen before it signs.
        return web.json_response(keys.jwks(), headers={"Cache-Control": "public, max-age=60"})

    async def health(request: web.Request) -> web.Response:
        healthy, body = await health_report(grpc_channel_factory, bus, services, gpu_probe)
        return web.json_response(body, status=200 if healthy else 503, headers={"Cache-Control": "no-store"})

    async def close_hub(app: web.Application) -> None:
        await hub.close()

    app.on_shutdown.append(close_hub)
    app.router.add_get("/.well-known/jwks.json", jwks)
    app.router.add_get("/health", health)
    app.router.add_get("/ws", websocket_handler(hub, keys, chat_owner))
    if billing is not None and stripe_webhook_secret:
        app.router.add_post("/payments/webhook", stripe_webhook(billing, stripe_webhook_secret, clock))
    else:
        app.router.add_post("/payments/webhook", not_handled_yet("Stripe", "the billing service"))
    app.router.add_post("/broker/webhook", broker_webhook(bus, clock))
    app.router.add_get("/{tail:.*}", static_handler(web_root))
    return app
