"""StripeGateway on the official `stripe` SDK, with a deadline, Stripe's Idempotency-Key on
creates, retries of idempotent calls only, and a circuit breaker.

The same adapter talks to api.stripe.com, to the twin of the embedded run and to the loopback
fakes of the tests: only `api_base` differs.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import stripe

from core.breaker import BreakerConfig, CircuitBreaker
from core.clock import Clock
from core.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from svc_billing.adapters.stripe.gateway import (
    CheckoutRequest,
    CheckoutSessionInfo,
    PaymentIntentInfo,
    SubscriptionInfo,
)

T = TypeVar("T")
STRIPE_BREAKER = BreakerConfig(failure_threshold=5, timeout_s=15, reset_s=30)
ATTEMPTS = 3
ANONYMISED_CUSTOMER_FIELDS = ("name", "email", "phone", "description", "metadata")
_FAULTS = (stripe.APIConnectionError, stripe.RateLimitError, TimeoutError, asyncio.TimeoutError)


def _is_fault(exc: BaseException) -> bool:
    if isinstance(exc, _FAULTS):
        return True
    return isinstance(exc, stripe.APIError) and (exc.http_status or 500) >= 500


def _ts(value: Any) -> datetime | None:
    return None if value in (None, 0) else datetime.fromtimestamp(int(value), UTC)


class StripeSdkGateway:
    """The `stripe` SDK behind StripeGateway. `api_base` is a callable so the address of a twin
    bound on port 0 can be read when the first call is made."""

    def __init__(
        self,
        secret_key: str,
        api_base: Callable[[], str] | str = "",
        *,
        timeout_s: float = 10.0,
        clock: Clock | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._secret_key = secret_key
        self._api_base = api_base if callable(api_base) else (lambda: api_base)
        self._timeout_s = timeout_s
        self._client: stripe.StripeClient | None = None
        self.breaker = breaker or CircuitBreaker("stripe", STRIPE_BREAKER, clock)

    def _sdk(self) -> stripe.StripeClient:
        if self._client is None:
            base = self._api_base()
            self._client = stripe.StripeClient(
                self._secret_key,
                base_addresses={"api": base} if base else None,
                http_client=stripe.AIOHTTPClient(timeout=self._timeout_s),
                max_network_retries=0,  # retries are ours, and only for idempotent calls
            )
        return self._client

    async def _call(self, fn: Callable[[], Awaitable[T]], *, idempotent: bool) -> T:
        attempts = ATTEMPTS if idempotent else 1
        for attempt in range(1, attempts + 1):
            try:
                return await self.breaker.call(fn, counts=_is_fault, timeout_s=self._timeout_s)
            except stripe.InvalidRequestError as e:
                if e.http_status == 404:
                    raise NotFound(str(e.user_message or e), reason="STRIPE_OBJECT_NOT_FOUND") from e
                raise InvalidArgument(
                    str(e.user_message or e), violations=[(e.param or "stripe", str(e.code or "invalid"))]
                ) from e
            except stripe.CardError as e:
                raise FailedPrecondition(str(e.user_message or e), reason="CARD_DECLINED") from e
            except Unavailable:
                raise
            except Exception as e:
                if not _is_fault(e):
                    raise
                if attempt == attempts:
                    raise Unavailable(
                        "Stripe cannot be reached; try again shortly",
                        reason="STRIPE_UNAVAILABLE",
                        retry_after_s=5.0,
                        metadata={"dependency": "stripe"},
                    ) from e
            await asyncio.sleep(0.1 * 2**attempt * random.uniform(0.5, 1.5))
        raise AssertionError("unreachable")

    async def create_customer(self, user_id: str, email: str, idempotency_key: str) -> str:
        params: Any = {"email": email, "metadata": {"user_id": user_id}}
        options: Any = {"idempotency_key": idempotency_key}
        customer = await self._call(
            lambda: self._sdk().v1.customers.create_async(params, options), idempotent=True
        )
        return str(customer["id"])

    async def anonymise_customer(self, customer_id: str) -> None:
        # Stripe unsets a field sent empty; `metadata=""` drops every metadata key.
        params: Any = {field: "" for field in ANONYMISED_CUSTOMER_FIELDS}
        await self._call(lambda: self._sdk().v1.customers.update_async(customer_id, params), idempotent=True)

    async def find_promotion_code(self, code: str) -> str | None:
        params: Any = {"code": code, "active": True, "limit": 1}
        found = await self._call(lambda: self._sdk().v1.promotion_codes.list_async(params), idempotent=True)
        return str(found.data[0]["id"]) if found.data else None

    async def create_checkout_session(self, request: CheckoutRequest) -> CheckoutSessionInfo:
        params: Any = {
            "mode": "subscription",
            "customer": request.customer_id,
            "client_reference_id": request.user_id,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": request.unit_amount_minor,
                        "recurring": {"interval": request.interval},
                        "product_data": {"name": request.product_name},
                    },
                }
            ],
            "metadata": {"user_id": request.user_id, "plan_id": request.plan_id},
            "subscription_data": {"metadata": {"user_id": request.user_id, "plan_id": request.plan_id}},
        }
        if request.promotion_code_id:
            params["discounts"] = [{"promotion_code": request.promotion_code_id}]
        else:
            params["allow_promotion_codes"] = True
        options: Any = {"idempotency_key": request.idempotency_key}
        session = await self._call(
            lambda: self._sdk().v1.checkout.sessions.create_async(params, options), idempotent=True
        )
        return _session(session)

    async def retrieve_checkout_session(self, session_id: str) -> CheckoutSessionInfo:
        session = await self._call(
            lambda: self._sdk().v1.checkout.sessions.retrieve_async(session_id), idempotent=True
        )
        return _session(session)

    async def retrieve_subscription(self, subscription_id: str) -> SubscriptionInfo:
        sub = await self._call(
            lambda: self._sdk().v1.subscriptions.retrieve_async(subscription_id), idempotent=True
        )
        return _subscription(sub)

    async def cancel_subscription(self, subscription_id: str, *, at_period_end: bool) -> SubscriptionInfo:
        sdk = self._sdk().v1.subscriptions
        if at_period_end:
            params: Any = {"cancel_at_period_end": True}
            sub = await self._call(lambda: sdk.update_async(subscription_id, params), idempotent=True)
        else:
            sub = await self._call(lambda: sdk.cancel_async(subscription_id), idempotent=True)
        return _subscription(sub)

    async def create_payment_intent(
        self,
        amount_minor: int,
        currency: str,
        customer_id: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> PaymentIntentInfo:
        params: Any = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "customer": customer_id,
            "metadata": metadata,
            "automatic_payment_methods": {"enabled": True},
        }
        options: Any = {"idempotency_key": idempotency_key}
        intent = await self._call(
            lambda: self._sdk().v1.payment_intents.create_async(params, options), idempotent=True
        )
        return _intent(intent)

    async def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntentInfo:
        intent = await self._call(
            lambda: self._sdk().v1.payment_intents.retrieve_async(payment_intent_id), idempotent=True
        )
        return _intent(intent)

    async def close(self) -> None:
        http = self._client._requestor._client if self._client is not None else None
        if http is not None:
            await http.close_async()


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _session(obj: Any) -> CheckoutSessionInfo:
    s = _plain(obj)
    return CheckoutSessionInfo(
        id=str(s["id"]),
        url=str(s.get("url") or ""),
        status=str(s.get("status") or "open"),
        expires_at=_ts(s.get("expires_at")) or datetime.fromtimestamp(0, UTC),
        subscription_id=_id_of(s.get("subscription")),
        payment_status=str(s.get("payment_status") or "unpaid"),
    )


def _id_of(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value.get("id"))


def _subscription(obj: Any) -> SubscriptionInfo:
    s = _plain(obj)
    metadata = dict(s.get("metadata") or {})
    item = (s.get("items") or {}).get("data") or [{}]
    start = s.get("current_period_start") or item[0].get("current_period_start")
    end = s.get("current_period_end") or item[0].get("current_period_end")
    return SubscriptionInfo(
        id=str(s["id"]),
        customer_id=_id_of(s.get("customer")) or "",
        status=str(s.get("status")),
        user_id=str(metadata.get("user_id", "")),
        plan_id=str(metadata.get("plan_id", "")),
        current_period_start=_ts(start),
        current_period_end=_ts(end),
        cancel_at_period_end=bool(s.get("cancel_at_period_end")),
        canceled_at=_ts(s.get("canceled_at")),
    )


def _intent(obj: Any) -> PaymentIntentInfo:
    i = _plain(obj)
    return PaymentIntentInfo(
        id=str(i["id"]),
        client_secret=str(i.get("client_secret") or ""),
        status=str(i.get("status")),
        amount_minor=int(i.get("amount") or 0),
        amount_received_minor=int(i.get("amount_received") or 0),
        currency=str(i.get("currency") or "").upper(),
        metadata={str(k): str(v) for k, v in dict(i.get("metadata") or {}).items()},
        redirect_url=str(((i.get("next_action") or {}).get("redirect_to_url") or {}).get("url") or ""),
    )
