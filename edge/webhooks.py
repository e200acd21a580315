"""Vendor webhooks (seed 5.1).

`/payments/webhook`: Stripe. The signature (`Stripe-Signature: t=…,v1=…`, HMAC-SHA256 of
`t.payload` with the endpoint secret) is checked here, with a 5 minute tolerance before and after
now; a bad, missing or stale signature is 400 and nothing reaches billing. A verified event goes
to billing's ProcessStripeEvent with the service credential; 200 tells Stripe it is handled (also
for a duplicate or an ignored type), 503 asks Stripe to send it again later.

`/broker/webhook` (MetaAPI) is `edge/broker_webhook.py`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import grpc
from aiohttp import web
from aiohttp.typedefs import Handler
from trading.billing.v1 import billing_messages_pb2 as billing

from core.clock import Clock
from svc_billing.adapters.stripe.wire import SignatureError, verify

log = logging.getLogger(__name__)

INVALID_ARGUMENT, UNAVAILABLE = 3, 14  # google.rpc.Code
MAX_STRIPE_EVENT_BYTES = 512 * 1024


def _status(http: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message, "details": []}, status=http)


def not_configured(vendor: str, setting: str) -> Handler:
    """A webhook endpoint of a deployment that has not configured it: 503 as a google.rpc.Status."""

    async def handle(request: web.Request) -> web.Response:
        return _status(503, UNAVAILABLE, f"{vendor} webhooks are not configured: set {setting}")

    return handle


def stripe_webhook(billing_stub: Any, secret: str, clock: Clock | None = None) -> Handler:
    """The Stripe endpoint; `billing_stub` is a BillingService stub that sends the service credential."""
    clock = clock or Clock()

    async def handle(request: web.Request) -> web.Response:
        payload = await request.read()
        if len(payload) > MAX_STRIPE_EVENT_BYTES:
            return _status(400, INVALID_ARGUMENT, "event too large")
        try:
            verify(payload, request.headers.get("Stripe-Signature"), secret, clock.now().timestamp())
            event = _event_request(payload)
        except (SignatureError, ValueError) as e:
            return _status(400, INVALID_ARGUMENT, str(e))
        try:
            answer = await billing_stub.ProcessStripeEvent(event)
        except grpc.aio.AioRpcError as e:
            if e.code() == grpc.StatusCode.INVALID_ARGUMENT:
                return _status(400, INVALID_ARGUMENT, e.details() or "refused")
            log.warning("billing could not take a Stripe event", extra={"fields": {"event": event.event_id}})
            return _status(503, UNAVAILABLE, "try again later")
        outcome = (
            billing.StripeEventOutcome.Name(answer.outcome).removeprefix("STRIPE_EVENT_OUTCOME_").lower()
        )
        return web.json_response({"received": True, "outcome": outcome})

    return handle


def _event_request(payload: bytes) -> billing.ProcessStripeEventRequest:
    try:
        body = json.loads(payload)
        event = billing.ProcessStripeEventRequest(
            event_id=str(body["id"]),
            event_type=str(body["type"]),
            payload=payload,
            livemode=bool(body.get("livemode", False)),
        )
        event.created_at.FromDatetime(datetime.fromtimestamp(int(body["created"]), UTC))
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError("not a Stripe event") from e
    return event
