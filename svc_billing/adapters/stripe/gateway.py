"""What billing needs from Stripe, as plain values: the interface every Stripe adapter keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class CheckoutRequest:
    customer_id: str
    user_id: str
    plan_id: str
    product_name: str
    unit_amount_minor: int
    currency: str
    interval: str  # "month" or "year"
    success_url: str
    cancel_url: str
    promotion_code_id: str | None
    idempotency_key: str


@dataclass(frozen=True)
class CheckoutSessionInfo:
    id: str
    url: str
    status: str  # open, complete, expired
    expires_at: datetime
    subscription_id: str | None
    payment_status: str = "unpaid"


@dataclass(frozen=True)
class SubscriptionInfo:
    id: str
    customer_id: str
    status: str  # Stripe's: incomplete, active, past_due, canceled, unpaid, trialing, ...
    user_id: str
    plan_id: str
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None


@dataclass(frozen=True)
class PaymentIntentInfo:
    id: str
    client_secret: str
    status: str  # requires_payment_method, requires_action, processing, succeeded, canceled
    amount_minor: int
    amount_received_minor: int
    currency: str  # upper case
    metadata: dict[str, str] = field(default_factory=dict)
    redirect_url: str = ""  # where the user completes it, when there is such a page


class StripeGateway(Protocol):
    """Stripe as billing uses it. Creates take an idempotency key (Stripe's Idempotency-Key), so
    a retried create never makes a second object; errors are core.errors (Unavailable when
    Stripe cannot be reached, with RetryInfo)."""

    async def create_customer(self, user_id: str, email: str, idempotency_key: str) -> str: ...

    async def anonymise_customer(self, customer_id: str) -> None:
        """Clear the customer's name, email, phone, description and metadata (account deleted);
        Stripe keeps the customer, its payments and invoices. Idempotent."""
        ...

    async def find_promotion_code(self, code: str) -> str | None: ...

    async def create_checkout_session(self, request: CheckoutRequest) -> CheckoutSessionInfo: ...

    async def retrieve_checkout_session(self, session_id: str) -> CheckoutSessionInfo: ...

    async def retrieve_subscription(self, subscription_id: str) -> SubscriptionInfo: ...

    async def cancel_subscription(self, subscription_id: str, *, at_period_end: bool) -> SubscriptionInfo: ...

    async def create_payment_intent(
        self,
        amount_minor: int,
        currency: str,
        customer_id: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> PaymentIntentInfo: ...

    async def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntentInfo: ...
