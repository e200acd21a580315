"""The Stripe twin: a small Stripe-compatible HTTP server for runs without Stripe keys.

It speaks the part of Stripe's API billing uses (form-encoded requests, JSON objects, Stripe
errors, Idempotency-Key replay), so the very same `stripe`-SDK adapter runs against it. Its
checkout and payment URLs open local pages whose "Pay" button does what Stripe does when a
customer pays: the objects change state and signed webhooks (`Stripe-Signature: t=…,v1=…`) go
to the platform's webhook URL. `/twin/*` endpoints act as Stripe's dashboard: renew or fail a
subscription's invoice, refund a payment. State lives in memory and, given a store (billing's
database, twin_store.py), is shared: every billing replica serves a twin on the same state (on one
port with SO_REUSEPORT, or each on its own), so a checkout made through one is paid through any,
and a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

from aiohttp import ClientSession, ClientTimeout, web

from core.clock import Clock
from svc_billing.adapters.stripe.wire import decode_form, sign

log = logging.getLogger(__name__)

Deliver = Callable[[bytes, str], Awaitable[None]]
PERIOD_S = {"month": 30 * 86400, "year": 365 * 86400}
CUSTOMER_FIELDS = ("name", "email", "phone", "description")
PROMOTION_CODES = {"WELCOME10": 10, "LAUNCH25": 25}  # code -> percent off


class TwinStore(Protocol):
    """Shared state (svc_billing.adapters.stripe.twin_store.DatabaseTwinStore)."""

    def held(self, twin: StripeTwin) -> Any: ...


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _error(status: int, message: str, *, code: str = "", param: str = "") -> web.Response:
    kind = "invalid_request_error" if status < 500 else "api_error"
    body = {"error": {"type": kind, "message": message, "code": code or None, "param": param or None}}
    return web.json_response(body, status=status)


class StripeTwin:
    """The twin's state and behaviour; `app()` serves it over HTTP."""

    def __init__(
        self,
        webhook_secret: str,
        clock: Clock | None = None,
        deliver: Deliver | None = None,
        *,
        store: TwinStore | None = None,
    ) -> None:
        """`store`: where the objects are shared with other twins and kept across restarts
        (none: this twin's memory only)."""
        self.webhook_secret = webhook_secret
        self.clock = clock or Clock()
        self.public_base = ""  # set once bound; checkout URLs start with it
        self.deliver: Deliver | None = deliver
        self.webhook_url = ""
        self.objects: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.send_webhooks = True
        self.fail_next: int = 0  # answer the next N API calls 500 (tests of an outage)
        self.stall_next: int = 0  # never answer the next N API calls (tests of a deadline)
        self.idempotency_keys: list[str] = []  # the Idempotency-Key of every POST, in order
        self.released = asyncio.Event()  # set on shutdown: stalled calls end
        self._replies: dict[str, tuple[int, dict[str, Any]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.promotion_codes = {
            code: {
                "id": _id("promo"),
                "object": "promotion_code",
                "code": code,
                "active": True,
                "coupon": {"percent_off": pct},
            }
            for code, pct in PROMOTION_CODES.items()
        }
        self.store = store
        self.version: int | None = None  # of the stored state this twin holds
        self.dirty = False

    # --- state shared with other twins -----------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {"objects": self.objects, "promotion_codes": self.promotion_codes, "replies": self._replies}

    def restore(self, state: dict[str, Any]) -> None:
        self.objects = state["objects"]
        self.promotion_codes = state["promotion_codes"]
        self._replies = {key: (int(status), body) for key, (status, body) in state["replies"].items()}
        if self.public_base:
            self.rebase(self.public_base)  # another twin made some: this one serves their pages

    def changed(self) -> None:
        self.dirty = True

    @asynccontextmanager
    async def _held(self) -> AsyncIterator[None]:
        """The latest shared state for one request; what it changed is stored at its end."""
        if self.store is None:
            yield
            return
        async with self.store.held(self):
            yield

    def rebase(self, public_base: str) -> None:
        """Bound (again) at `public_base`: the pages of kept objects move there."""
        self.public_base = public_base
        for obj in self.objects.values():
            if obj.get("object") == "checkout.session":
                obj["url"] = f"{public_base}/checkout/{obj['id']}"
            redirect = (obj.get("next_action") or {}).get("redirect_to_url")
            if redirect:
                redirect["url"] = f"{public_base}/pay/{obj['id']}"

    def now(self) -> int:
        return int(self.clock.now().timestamp())

    # --- the API -------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._api_middleware])
        r = app.router
        r.add_post("/v1/customers", self._create_customer)
        r.add_post("/v1/customers/{id}", self._update_customer)
        r.add_get("/v1/customers/{id}", self._retrieve)
        r.add_get("/v1/promotion_codes", self._list_promotion_codes)
        r.add_post("/v1/checkout/sessions", self._create_session)
        r.add_get("/v1/checkout/sessions/{id}", self._retrieve)
        r.add_get("/v1/subscriptions/{id}", self._retrieve)
        r.add_post("/v1/subscriptions/{id}", self._update_subscription)
        r.add_delete("/v1/subscriptions/{id}", self._cancel_subscription)
        r.add_post("/v1/payment_intents", self._create_intent)
        r.add_get("/v1/payment_intents/{id}", self._retrieve)
        r.add_get("/checkout/{id}", self._checkout_page)
        r.add_post("/checkout/{id}/pay", self._checkout_pay)
        r.add_get("/pay/{id}", self._intent_page)
        r.add_post("/pay/{id}/pay", self._intent_pay)
        r.add_post("/twin/subscriptions/{id}/renew", self._dashboard(self.renew))
        r.add_post("/twin/subscriptions/{id}/fail", self._dashboard(self.fail_payment))
        r.add_post("/twin/payment_intents/{id}/refund", self._dashboard(self.refund))
        return app

    @web.middleware
    async def _api_middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith("/v1/"):
            try:
                async with self._held():
                    return await handler(request)
            finally:  # the platform has the webhooks before the customer is sent on
                await self.settle()
        if not request.headers.get("Authorization", "").startswith("Bearer sk_"):
            return _error(401, "Invalid API Key provided")
        if self.fail_next > 0:
            self.fail_next -= 1
            return _error(500, "the twin was told to fail")
        if self.stall_next > 0:
            self.stall_next -= 1
            await self.released.wait()
            return _error(500, "the twin was stalled")
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST":
            self.idempotency_keys.append(key or "")
        async with self._held():
            return await self._api_call(request, handler, key)

    async def _api_call(self, request: web.Request, handler: Any, key: str | None) -> web.StreamResponse:
        if key and request.method == "POST" and key in self._replies:
            status, body = self._replies[key]
            return web.json_response(body, status=status, headers={"Idempotent-Replayed": "true"})
        response = await handler(request)
        if key and request.method == "POST" and isinstance(response, web.Response) and response.text:
            self._replies[key] = (response.status, json.loads(response.text))
            self.changed()
        return response

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.method == "GET":
            return decode_form(request.query.items())
        return decode_form((await request.post()).items())  # type: ignore[arg-type]

    def _store(self, obj: dict[str, Any]) -> web.Response:
        self.objects[obj["id"]] = obj
        self.changed()
        return web.json_response(obj)

    async def _create_customer(self, request: web.Request) -> web.Response:
        p = await self._params(request)
        return self._store(
            {
                "id": _id("cus"),
                "object": "customer",
                "email": p.get("email"),
                "name": p.get("name"),
                "phone": p.get("phone"),
                "description": p.get("description"),
                "metadata": p.get("metadata", {}),
                "created": self.now(),
            }
        )

    async def _update_customer(self, request: web.Request) -> web.Response:
        customer = self.objects.get(request.match_info["id"])
        if customer is None or customer.get("object") != "customer":
            return _error(404, "No such customer", code="resource_missing", param="id")
        for name, value in (await self._params(request)).items():
            if name == "metadata":  # "" unsets every key; a key sent empty unsets that key
                metadata = {} if value == "" else {**customer.get("metadata", {}), **value}
                customer["metadata"] = {k: v for k, v in metadata.items() if v != ""}
            elif name in CUSTOMER_FIELDS:
                customer[name] = value or None
        self.changed()
        return web.json_response(customer)

    async def _list_promotion_codes(self, request: web.Request) -> web.Response:
        p = await self._params(request)
        found = [c for c in self.promotion_codes.values() if c["code"] == p.get("code") and c["active"]]
        return web.json_response(
            {"object": "list", "data": found, "has_more": False, "url": "/v1/promotion_codes"}
        )

    async def _create_session(self, request: web.Request) -> web.Response:
        p = await self._params(request)
        if p.get("mode") != "subscription" or p.get("customer") not in self.objects:
            return _error(400, "a subscription session needs a known customer", param="customer")
        item = p["line_items"][0]["price_data"]
        discount = (p.get("discounts") or [{}])[0].get("promotion_code")
        if discount and discount not in {c["id"] for c in self.promotion_codes.values()}:
            return _error(400, "No such promotion code", param="discounts", code="resource_missing")
        session_id = _id("cs_test")
        checkout = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "subscription",
            "status": "open",
            "payment_status": "unpaid",
            "customer": p["customer"],
            "subscription": None,
            "client_reference_id": p.get("client_reference_id"),
            "metadata": p.get("metadata", {}),
            "subscription_data": p.get("subscription_data", {}),
            "price_data": item,
            "discount": discount,
            "success_url": p.get("success_url"),
            "cancel_url": p.get("cancel_url"),
            "amount_total": int(item["unit_amount"]),
            "currency": item["currency"],
            "url": f"{self.public_base}/checkout/{session_id}",
            "expires_at": self.now() + 86400,
            "created": self.now(),
            "livemode": False,
        }
        return self._store(checkout)

    async def _retrieve(self, request: web.Request) -> web.Response:
        obj = self.objects.get(request.match_info["id"])
        if obj is None:
            return _error(404, f"No such object: '{request.match_info['id']}'", code="resource_missing")
        return web.json_response(obj)

    async def _update_subscription(self, request: web.Request) -> web.Response:
        sub = self.objects.get(request.match_info["id"])
        if sub is None:
            return _error(404, "No such subscription", code="resource_missing")
        p = await self._params(request)
        if "cancel_at_period_end" in p:
            sub["cancel_at_period_end"] = p["cancel_at_period_end"] == "true"
            self._event("customer.subscription.updated", sub)
        return web.json_response(sub)

    async def _cancel_subscription(self, request: web.Request) -> web.Response:
        sub = self.objects.get(request.match_info["id"])
        if sub is None:
            return _error(404, "No such subscription", code="resource_missing")
        return web.json_response(self.cancel(sub["id"]))

    async def _create_intent(self, request: web.Request) -> web.Response:
        p = await self._params(request)
        amount = int(p.get("amount", "0"))
        if amount <= 0:
            return _error(400, "amount must be positive", param="amount")
        intent_id = _id("pi")
        return self._store(
            {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_received": 0,
                "currency": p.get("currency", "usd"),
                "customer": p.get("customer"),
                "metadata": p.get("metadata", {}),
                "status": "requires_payment_method",
                "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
                "created": self.now(),
                "next_action": {
                    "type": "redirect_to_url",
                    "redirect_to_url": {"url": f"{self.public_base}/pay/{intent_id}", "return_url": None},
                },
                "amount_refunded": 0,
                "livemode": False,
            }
        )

    # --- what a paying customer and the dashboard do ---------------------------------------
    def pay_checkout(self, session_id: str) -> dict[str, Any]:
        """The customer pays a checkout session: a subscription starts, its first invoice is paid."""
        session = self.objects[session_id]
        if session["status"] != "open":
            return session
        now = self.now()
        interval = session["price_data"]["recurring"]["interval"]
        sub = {
            "id": _id("sub"),
            "object": "subscription",
            "customer": session["customer"],
            "status": "active",
            "metadata": session["subscription_data"].get("metadata", {}),
            "cancel_at_period_end": False,
            "canceled_at": None,
            "created": now,
            "current_period_start": now,
            "current_period_end": now + PERIOD_S[interval],
            "livemode": False,
            "items": {"object": "list", "data": [{"price": {"recurring": {"interval": interval}}}]},
        }
        self.objects[sub["id"]] = sub
        session.update(status="complete", payment_status="paid", subscription=sub["id"])
        self._event("checkout.session.completed", session)
        self._event("invoice.payment_succeeded", self._invoice(sub, paid=True))
        return session

    def renew(self, subscription_id: str) -> dict[str, Any]:
        sub = self.objects[subscription_id]
        interval = sub["items"]["data"][0]["price"]["recurring"]["interval"]
        sub.update(
            status="active",
            current_period_start=sub["current_period_end"],
            current_period_end=sub["current_period_end"] + PERIOD_S[interval],
        )
        self._event("invoice.payment_succeeded", self._invoice(sub, paid=True))
        return sub

    def fail_payment(self, subscription_id: str) -> dict[str, Any]:
        sub = self.objects[subscription_id]
        sub["status"] = "past_due"
        self._event("invoice.payment_failed", self._invoice(sub, paid=False))
        return sub

    def cancel(self, subscription_id: str) -> dict[str, Any]:
        sub = self.objects[subscription_id]
        if sub["status"] != "canceled":
            sub.update(status="canceled", canceled_at=self.now(), ended_at=self.now())
            self._event("customer.subscription.deleted", sub)
        return sub

    def pay_intent(self, intent_id: str) -> dict[str, Any]:
        intent = self.objects[intent_id]
        if intent["status"] != "succeeded":
            intent.update(
                status="succeeded",
                amount_received=intent["amount"],
                latest_charge=_id("ch"),
                next_action=None,
            )
            self._event("payment_intent.succeeded", intent)
        return intent

    def refund(self, intent_id: str, amount: int | None = None) -> dict[str, Any]:
        intent = self.objects[intent_id]
        left = intent["amount_received"] - intent["amount_refunded"]
        intent["amount_refunded"] += min(left, amount or left)
        charge = {
            "id": intent.get("latest_charge") or _id("ch"),
            "object": "charge",
            "payment_intent": intent_id,
            "amount": intent["amount_received"],
            "amount_refunded": intent["amount_refunded"],
            "currency": intent["currency"],
            "refunded": intent["amount_refunded"] == intent["amount"],
        }
        self._event("charge.refunded", charge)
        return intent

    def _invoice(self, sub: dict[str, Any], *, paid: bool) -> dict[str, Any]:
        return {
            "id": _id("in"),
            "object": "invoice",
            "subscription": sub["id"],
            "customer": sub["customer"],
            "status": "paid" if paid else "open",
            "paid": paid,
            "period_end": sub["current_period_end"],
            "created": self.now(),
        }

    def _event(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = {
            "id": _id("evt"),
            "object": "event",
            "type": kind,
            "created": self.now(),
            "livemode": False,
            "api_version": "2025-06-30",
            "data": {"object": json.loads(json.dumps(obj))},
        }
        self.events.append(event)
        self.changed()
        if self.send_webhooks:
            task = asyncio.get_running_loop().create_task(self.send(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return event

    async def send(self, event: dict[str, Any], *, timestamp: int | None = None) -> None:
        """Deliver one event, signed, as Stripe does; a failed delivery is left to the poller."""
        payload = json.dumps(event).encode()
        header = sign(payload, self.webhook_secret, timestamp if timestamp is not None else self.now())
        try:
            if self.deliver is not None:
                await self.deliver(payload, header)
            elif self.webhook_url:
                await post_webhook(self.webhook_url, payload, header)
        except Exception:
            log.warning("twin webhook delivery failed", extra={"fields": {"event": event["id"]}})

    async def settle(self) -> None:
        """Wait for the webhooks sent so far."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- pages -----------------------------------------------------------------------------
    def _dashboard(self, action: Callable[[str], dict[str, Any]]) -> Any:
        async def handle(request: web.Request) -> web.Response:
            if request.match_info["id"] not in self.objects:
                return _error(404, "No such object", code="resource_missing")
            return web.json_response(action(request.match_info["id"]))

        return handle

    async def _checkout_page(self, request: web.Request) -> web.Response:
        session = self.objects.get(request.match_info["id"])
        if session is None or session.get("object") != "checkout.session":
            raise web.HTTPNotFound(text="no such checkout session")
        price = session["price_data"]
        body = (
            f"<h1>{html.escape(price['product_data']['name'])}</h1>"
            f"<p>{int(price['unit_amount']) / 100:.2f} {html.escape(price['currency'].upper())}"
            f" per {html.escape(price['recurring']['interval'])}</p>"
            f"<form method='post' action='/checkout/{session['id']}/pay'><button>Pay</button></form>"
            f"<a href='{html.escape(session['cancel_url'] or '/')}'>Cancel</a>"
        )
        return web.Response(text=_page("Checkout (Stripe twin)", body), content_type="text/html")

    async def _checkout_pay(self, request: web.Request) -> web.Response:
        session_id = request.match_info["id"]
        if session_id not in self.objects:
            raise web.HTTPNotFound(text="no such checkout session")
        session = self.pay_checkout(session_id)
        target = str(session["success_url"] or "/").replace("{CHECKOUT_SESSION_ID}", session_id)
        # returned, not raised: the state it changed is stored on the way out
        return web.Response(status=303, headers={"Location": target})

    async def _intent_page(self, request: web.Request) -> web.Response:
        intent = self.objects.get(request.match_info["id"])
        if intent is None or intent.get("object") != "payment_intent":
            raise web.HTTPNotFound(text="no such payment")
        body = (
            f"<h1>Wallet deposit</h1><p>{intent['amount'] / 100:.2f} {intent['currency'].upper()}</p>"
            f"<form method='post' action='/pay/{intent['id']}/pay'><button>Pay</button></form>"
        )
        return web.Response(text=_page("Payment (Stripe twin)", body), content_type="text/html")

    async def _intent_pay(self, request: web.Request) -> web.Response:
        if request.match_info["id"] not in self.objects:
            raise web.HTTPNotFound(text="no such payment")
        intent = self.pay_intent(request.match_info["id"])
        return web.Response(
            text=_page("Paid", f"<p>Paid {intent['amount'] / 100:.2f}.</p>"), content_type="text/html"
        )


def _page(title: str, body: str) -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"


async def post_webhook(url: str, payload: bytes, header: str) -> None:
    async with (
        ClientSession(timeout=ClientTimeout(total=10)) as http,
        http.post(
            url, data=payload, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
        ) as r,
    ):
        if r.status >= 300:
            log.warning("webhook answered %s", r.status)


class TwinServer:
    """Serves a StripeTwin on host:port (0: any free port)."""

    def __init__(self, twin: StripeTwin, host: str, port: int) -> None:
        self.twin = twin
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self.started = asyncio.Event()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> str:
        self._runner = web.AppRunner(self.twin.app())
        await self._runner.setup()
        # SO_REUSEPORT: the twins of several billing replicas on one host may share one port
        site = web.TCPSite(self._runner, self.host, self.port, reuse_port=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.twin.rebase(self.base_url)
        self.started.set()
        return self.base_url

    async def serve(self) -> None:
        """A background task: start, then hold until cancelled."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    async def stop(self) -> None:
        self.twin.released.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
