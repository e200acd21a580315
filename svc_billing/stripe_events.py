"""Stripe webhook events, applied exactly once.

An event is first stored by id in its own transaction (a redelivery finds it), then applied in a
second transaction that locks its row, checks it is not applied yet, changes the state and marks
it applied: all or nothing. A crash between the two leaves a stored, unapplied event, which the
next delivery or the poller applies. What an event means is never taken from its (possibly old)
payload alone: the subscription or payment it names is fetched from Stripe and our copy is made
equal to it, so events in any order converge to Stripe's final state.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core import metrics
from core.clock import Clock
from core.db import Database
from core.errors import InvalidArgument
from svc_billing.adapters.stripe.gateway import StripeGateway
from svc_billing.deposits import Deposits
from svc_billing.models import StripeEvent
from svc_billing.subscriptions import Subscriptions

log = logging.getLogger(__name__)

APPLIED, DUPLICATE, IGNORED = "applied", "duplicate", "ignored"
POLLED_PREFIX = "evt_poll_"  # events the poller made up: no Stripe creation time to measure from
HANDLED = (
    "checkout.session.completed",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "customer.subscription.deleted",
    "customer.subscription.updated",
    "payment_intent.succeeded",
    "payment_intent.canceled",
    "charge.refunded",
)


@dataclass(frozen=True)
class IncomingEvent:
    id: str
    type: str
    payload: bytes
    created_at: datetime
    livemode: bool


class StripeEvents:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        stripe: StripeGateway,
        subscriptions: Subscriptions,
        deposits: Deposits,
        *,
        livemode: bool,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.stripe = stripe
        self.subscriptions = subscriptions
        self.deposits = deposits
        self.livemode = livemode
        self.on_commit = on_commit

    async def process(self, event: IncomingEvent) -> str:
        """Store and apply one verified event; returns applied, duplicate or ignored."""
        if event.livemode != self.livemode:
            raise InvalidArgument("event from the other Stripe mode", violations=[("livemode", "wrong mode")])
        obj = _object_of(event.payload)
        if event.type not in HANDLED:
            return IGNORED  # acknowledged, never stored: Stripe sends many types billing does not use
        await self.store(event)
        return await self.apply(event.id, event.type, obj, event.created_at)

    async def store(self, event: IncomingEvent) -> None:
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        async with self.db.transaction() as s:
            await s.execute(
                insert(StripeEvent)
                .values(
                    id=event.id,
                    type=event.type,
                    payload=event.payload,
                    stripe_created_at=event.created_at,
                    received_at=self.clock.now(),
                )
                .on_conflict_do_nothing()
            )

    async def apply(
        self, event_id: str, kind: str, obj: dict[str, Any], created_at: datetime | None = None
    ) -> str:
        async with self.db.session() as s:
            if await s.scalar(select(StripeEvent.applied_at).where(StripeEvent.id == event_id)) is not None:
                return DUPLICATE  # a redelivery costs no call to Stripe
        # Stripe objects are fetched before the lock is taken, so no network call holds it.
        prepared = await self._fetch(kind, obj)
        async with self.db.transaction() as s:
            stored = await s.get(StripeEvent, event_id, with_for_update=True)
            if stored is None or stored.applied_at is not None:
                return DUPLICATE
            outcome = await self._apply(s, kind, obj, prepared)
            stored.applied_at, stored.outcome = self.clock.now(), outcome
        self.on_commit()
        await self.subscriptions.refresh_changed(s)
        if created_at is not None and not event_id.startswith(POLLED_PREFIX):
            metrics.webhook_applied("stripe", created_at, stored.applied_at)
        return outcome

    async def apply_stored(self) -> int:
        """Apply events stored but never applied (a crash between store and apply); for the poller."""
        async with self.db.session() as s:
            rows = (
                await s.execute(
                    select(
                        StripeEvent.id, StripeEvent.type, StripeEvent.payload, StripeEvent.stripe_created_at
                    )
                    .where(StripeEvent.applied_at.is_(None))
                    .order_by(StripeEvent.stripe_created_at)
                )
            ).all()
        applied = 0
        for row in rows:
            if await self.apply(row.id, row.type, _object_of(row.payload), row.stripe_created_at) == APPLIED:
                applied += 1
        return applied

    async def _fetch(self, kind: str, obj: dict[str, Any]) -> Any:
        if kind.startswith("checkout.session."):
            sub_id = obj.get("subscription")
            return await self.stripe.retrieve_subscription(str(sub_id)) if sub_id else None
        if kind.startswith("invoice."):
            sub_id = obj.get("subscription") or (obj.get("parent") or {}).get("subscription_details", {}).get(
                "subscription"
            )
            return await self.stripe.retrieve_subscription(str(sub_id)) if sub_id else None
        if kind.startswith("customer.subscription."):
            return await self.stripe.retrieve_subscription(str(obj["id"]))
        if kind.startswith("payment_intent."):
            return await self.stripe.retrieve_payment_intent(str(obj["id"]))
        return None

    async def _apply(self, s: AsyncSession, kind: str, obj: dict[str, Any], fetched: Any) -> str:
        if kind == "charge.refunded":
            intent = obj.get("payment_intent")
            if not intent:
                return IGNORED
            return await self.deposits.refund(
                s, str(intent), int(obj.get("amount_refunded") or 0), str(obj["id"])
            )
        if kind.startswith("payment_intent."):
            return await self.deposits.settle(s, fetched)
        if fetched is None:
            return IGNORED  # a one-off payment session or an invoice of no subscription
        if kind == "checkout.session.completed":
            await self.subscriptions.mark_session(s, str(obj["id"]), "complete")
        mail = "payment_failed" if kind == "invoice.payment_failed" and fetched.status != "canceled" else None
        await self.subscriptions.sync(s, fetched, mail=mail)
        return APPLIED


def _object_of(payload: bytes) -> dict[str, Any]:
    try:
        body = json.loads(payload)
        obj = body["data"]["object"]
    except (ValueError, KeyError, TypeError) as e:
        raise InvalidArgument(
            "not a Stripe event", violations=[("payload", "not a Stripe event JSON")]
        ) from e
    if not isinstance(obj, dict) or "id" not in obj:
        raise InvalidArgument("not a Stripe event", violations=[("payload", "data.object has no id")])
    return obj
