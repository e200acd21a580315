"""`/broker/webhook` (MetaAPI `trade_executed`, `position_closed`, seed 5.1): the HMAC signature
over the timestamp and body is checked here in constant time; a bad, missing or stale one is 400
and nothing moves on. A verified event is appended to the broker's durable webhook stream (200),
where the broker service applies each deal once; 503 when the bus cannot take it (the venue
retries), and 503 "not configured" while no secret is set (TRADING_BROKER_WEBHOOK_SECRET; the
all-in-one run derives one from its internal key)."""

from __future__ import annotations

import json
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from core.bus import Bus
from core.clock import Clock
from svc_broker.investment.webhook_wire import (
    EVENT_TYPES,
    WEBHOOK_STREAM,
    BadSignature,
    BrokerWebhookSettings,
    verify,
)

log = logging.getLogger(__name__)
INVALID_ARGUMENT, UNAVAILABLE = 3, 14
MAX_EVENT_BYTES = 256 * 1024


def _status(http: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message, "details": []}, status=http)


async def not_configured(request: web.Request) -> web.Response:
    return _status(503, UNAVAILABLE, "not configured: set TRADING_BROKER_WEBHOOK_SECRET")


def broker_webhook(bus: Bus, clock: Clock | None = None, secret: str | None = None) -> Handler:
    secret = BrokerWebhookSettings().secret if secret is None else secret
    if not secret:
        return not_configured
    clock = clock or Clock()

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        if len(body) > MAX_EVENT_BYTES:
            return _status(400, INVALID_ARGUMENT, "event too large")
        try:
            verify(
                secret,
                request.headers.get("X-Signature"),
                request.headers.get("X-Timestamp"),
                body,
                clock.now().timestamp(),
            )
            event = json.loads(body)
            if event.get("type") not in EVENT_TYPES or "deal" not in event or "accountId" not in event:
                raise ValueError("not a trade_executed or position_closed event")
        except (BadSignature, ValueError, AttributeError) as e:
            return _status(400, INVALID_ARGUMENT, str(e))
        try:
            await bus.xadd(WEBHOOK_STREAM, body)
        except Exception:
            log.warning("broker webhook not queued", exc_info=True)
            return _status(503, UNAVAILABLE, "try again later")
        return web.json_response({"received": True})

    return handle
