"""Finds what a missed webhook would have told (seed 9.1): every 5 minutes it asks Stripe about
checkout sessions and deposits still pending here and applies what changed through the same
code path as a webhook, under an event id of its own, so a webhook arriving later is harmless."""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import select

from core.clock import Clock
from core.db import Database
from core.errors import DomainError, NotFound
from svc_billing.models import CheckoutSession, WalletTransaction
from svc_billing.stripe_events import POLLED_PREFIX, IncomingEvent, StripeEvents
from svc_billing.wallet import DEPOSIT, PENDING

log = logging.getLogger(__name__)


class StripePoller:
    def __init__(self, db: Database, clock: Clock, events: StripeEvents, every_s: float = 300.0) -> None:
        self.db = db
        self.clock = clock
        self.events = events
        self.every_s = every_s

    async def run(self) -> None:
        while True:
            await self.clock.sleep(self.every_s)
            try:
                await self.poll_once()
            except Exception:
                log.warning("stripe poll failed; trying again at the next round", exc_info=True)

    async def poll_once(self) -> int:
        """One round; returns how many changes it applied."""
        applied = await self.events.apply_stored()
        async with self.db.session() as s:
            sessions = (
                await s.scalars(select(CheckoutSession.id).where(CheckoutSession.status == "open"))
            ).all()
            intents = (
                await s.scalars(
                    select(WalletTransaction.payment_intent_id).where(
                        WalletTransaction.type == DEPOSIT, WalletTransaction.status == PENDING
                    )
                )
            ).all()
        for session_id in sessions:
            applied += await self._session(session_id)
        for intent_id in intents:
            if intent_id:
                applied += await self._intent(intent_id)
        return applied

    async def _session(self, session_id: str) -> int:
        try:
            info = await self.events.stripe.retrieve_checkout_session(session_id)
        except NotFound:
            info = None
        if (
            info is None
            or info.status == "expired"
            or (info.status == "open" and info.expires_at <= self.clock.now())
        ):
            async with self.db.transaction() as s:
                await self.events.subscriptions.mark_session(s, session_id, "expired")
            return 0
        if info.status != "complete" or not info.subscription_id:
            return 0
        obj = {"id": session_id, "object": "checkout.session", "subscription": info.subscription_id}
        return await self._apply(f"{POLLED_PREFIX}{session_id}", "checkout.session.completed", obj)

    async def _intent(self, intent_id: str) -> int:
        try:
            info = await self.events.stripe.retrieve_payment_intent(intent_id)
        except DomainError:
            return 0
        if info.status not in ("succeeded", "canceled"):
            return 0
        obj = {"id": intent_id, "object": "payment_intent"}
        return await self._apply(
            f"{POLLED_PREFIX}{intent_id}_{info.status}", f"payment_intent.{info.status}", obj
        )

    async def _apply(self, event_id: str, kind: str, obj: dict[str, Any]) -> int:
        payload = json.dumps({"id": event_id, "type": kind, "data": {"object": obj}}).encode()
        event = IncomingEvent(event_id, kind, payload, self.clock.now(), self.events.livemode)
        return 1 if await self.events.process(event) == "applied" else 0
