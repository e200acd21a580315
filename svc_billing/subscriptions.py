"""Subscriptions: checkout through Stripe, and our copy of each subscription kept equal to
Stripe's. Every change goes through `sync()`, which takes Stripe's current object (fetched when
an event arrives, so events in any order converge to Stripe's final state) and stages what
follows from a tier change: the plan change for svc_auth, the mail and the bus event."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from trading.events.v1.events_payloads_pb2 import SubscriptionActivated

from core import events, outbox
from core.clock import Clock
from core.db import Database
from core.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from core.kv import KeyValue
from svc_billing.adapters.stripe.gateway import (
    CheckoutRequest,
    CheckoutSessionInfo,
    StripeGateway,
    SubscriptionInfo,
)
from svc_billing.config import BillingSettings
from svc_billing.models import OUTBOX, CheckoutSession, Customer, PlanChange, Subscription
from svc_billing.plan_cache import UserPlan, decode_plan, encode_plan, plan_cache_key
from svc_billing.plans import TIERS, PlanCatalog

ACTIVE, PAST_DUE, CANCELED, INCOMPLETE = "active", "past_due", "canceled", "incomplete"
IN_FORCE = (ACTIVE, PAST_DUE)
_STATUS_OF_STRIPE = {
    "active": ACTIVE,
    "trialing": ACTIVE,
    "past_due": PAST_DUE,
    "unpaid": PAST_DUE,
    "canceled": CANCELED,
    "incomplete_expired": CANCELED,
    "incomplete": INCOMPLETE,
    "paused": PAST_DUE,
}


def _insert(db: Database):  # type: ignore[no-untyped-def]
    return sqlite_insert if db.is_sqlite else pg_insert


log = logging.getLogger(__name__)
_CHANGED_USERS = "billing.changed_users"  # session.info: users whose subscription sync() changed


class Subscriptions:
    def __init__(
        self,
        db: Database,
        kv: KeyValue,
        clock: Clock,
        stripe: StripeGateway,
        catalog: PlanCatalog,
        settings: BillingSettings,
        public_url: str,
    ) -> None:
        self.db = db
        self.kv = kv
        self.clock = clock
        self.stripe = stripe
        self.catalog = catalog
        self.settings = settings
        self.public_url = public_url.rstrip("/")

    # --- checkout --------------------------------------------------------------------------
    async def checkout(
        self, user_id: str, email: str, plan_id: str, promo_code: str | None, idempotency_key: str
    ) -> CheckoutSessionInfo:
        plan = self.catalog.paid(plan_id)
        async with self.db.session() as s:
            earlier = await s.scalar(
                select(CheckoutSession).where(
                    CheckoutSession.user_id == user_id, CheckoutSession.idempotency_key == idempotency_key
                )
            )
            if earlier is not None:
                return CheckoutSessionInfo(earlier.id, earlier.url, earlier.status, earlier.expires_at, None)
            current = await self._in_force(s, user_id)
        if current is not None:
            raise FailedPrecondition(
                f"you already have the {current.tier} plan; cancel it before choosing another",
                reason="ALREADY_SUBSCRIBED",
                metadata={"plan_id": current.plan_id},
            )
        promotion = None
        if promo_code:
            promotion = await self.stripe.find_promotion_code(promo_code)
            if promotion is None:
                raise InvalidArgument(
                    "unknown promotion code", violations=[("promo_code", "unknown or expired")]
                )
        customer_id = await self.customer_of(user_id, email)
        session = await self.stripe.create_checkout_session(
            CheckoutRequest(
                customer_id=customer_id,
                user_id=user_id,
                plan_id=plan.id,
                product_name=f"{plan.name} ({plan.interval}ly)",
                unit_amount_minor=plan.price_minor,
                currency=plan.currency,
                interval=plan.interval,
                success_url=self._url(self.settings.success_url),
                cancel_url=self._url(self.settings.cancel_url),
                promotion_code_id=promotion,
                idempotency_key=f"checkout-{user_id}-{idempotency_key}",
            )
        )
        async with self.db.transaction() as s:
            await s.execute(
                _insert(self.db)(CheckoutSession)
                .values(
                    id=session.id,
                    user_id=user_id,
                    plan_id=plan.id,
                    url=session.url,
                    status=session.status,
                    idempotency_key=idempotency_key,
                    expires_at=session.expires_at,
                    created_at=self.clock.now(),
                )
                .on_conflict_do_nothing()
            )
        return session

    async def customer_of(self, user_id: str, email: str) -> str:
        """The user's Stripe customer, created once (Stripe's idempotency key makes a race harmless)."""
        async with self.db.session() as s:
            known = await s.scalar(select(Customer.stripe_customer_id).where(Customer.user_id == user_id))
        if known is not None:
            return str(known)
        customer_id = await self.stripe.create_customer(user_id, email, f"customer-{user_id}")
        async with self.db.transaction() as s:
            await s.execute(
                _insert(self.db)(Customer)
                .values(
                    user_id=user_id, stripe_customer_id=customer_id, email=email, created_at=self.clock.now()
                )
                .on_conflict_do_nothing()
            )
            return str(await s.scalar(select(Customer.stripe_customer_id).where(Customer.user_id == user_id)))

    def _url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.public_url}{path}"

    # --- reading ---------------------------------------------------------------------------
    async def latest(self, user_id: str) -> Subscription | None:
        async with self.db.session() as s:
            return await s.scalar(
                select(Subscription)
                .where(Subscription.user_id == user_id)
                .order_by(Subscription.created_at.desc(), Subscription.id.desc())
                .limit(1)
            )

    async def user_plan(self, user_id: str) -> UserPlan:
        """From the `user:{id}:plan` cache (an hour); on a miss from the subscriptions, then cached."""
        cached = await self.kv.get(plan_cache_key(user_id))
        plan = decode_plan(cached) if cached is not None else None
        return plan if plan is not None else await self.refresh_plan(user_id)

    async def refresh_plan(self, user_id: str) -> UserPlan:
        """Read the user's plan from the subscriptions and cache it; after every committed change."""
        async with self.db.session() as s:
            current = await self._in_force(s, user_id)
        plan = UserPlan(current.tier, current.current_period_end) if current else UserPlan("free", None)
        await self.kv.set(plan_cache_key(user_id), encode_plan(plan), self.settings.plan_cache_ttl_s)
        return plan

    async def refresh_changed(self, s: AsyncSession) -> None:
        """After `s` committed: re-cache the plan of every user whose subscription it changed.
        The change is committed whatever happens here: a cache that cannot be written (Redis
        down) is logged, and a tier change is cached again when PlanSync delivers it."""
        for user_id in sorted(s.info.pop(_CHANGED_USERS, ())):
            try:
                await self.refresh_plan(user_id)
            except Exception:
                log.warning("plan cache not refreshed", exc_info=True, extra={"fields": {"user": user_id}})

    async def _in_force(self, s: AsyncSession, user_id: str) -> Subscription | None:
        subs = (
            await s.scalars(
                select(Subscription).where(Subscription.user_id == user_id, Subscription.status.in_(IN_FORCE))
            )
        ).all()
        return max(subs, key=lambda sub: TIERS.index(sub.tier), default=None)

    # --- changing --------------------------------------------------------------------------
    async def cancel(self, user_id: str, *, immediately: bool, is_admin: bool) -> Subscription:
        if immediately and not is_admin:
            raise PermissionDenied("only an admin can end a subscription at once", reason="ADMIN_ONLY")
        latest = await self.latest(user_id)
        if latest is None:
            raise NotFound("you have no subscription", reason="NO_SUBSCRIPTION")
        if latest.status == CANCELED or (latest.cancel_at_period_end and not immediately):
            return latest
        info = await self.stripe.cancel_subscription(
            latest.stripe_subscription_id, at_period_end=not immediately
        )
        async with self.db.transaction() as s:
            sub = await self.sync(s, info)
        await self.refresh_changed(s)
        return sub

    async def sync(self, s: AsyncSession, info: SubscriptionInfo, *, mail: str | None = None) -> Subscription:
        """Make our copy equal to Stripe's `info`, in the caller's transaction, and stage what
        follows from it. `mail` asks for a notice even when the tier did not change."""
        now = self.clock.now()
        sub = await s.scalar(
            select(Subscription).where(Subscription.stripe_subscription_id == info.id).with_for_update()
        )
        plan = self.catalog.get(info.plan_id) if info.plan_id else None
        if sub is None:
            if plan is None or not info.user_id:
                raise InvalidArgument(
                    f"subscription {info.id} carries no user or plan", reason="UNKNOWN_SUBSCRIPTION"
                )
            sub = Subscription(
                id=str(uuid.uuid4()),
                user_id=info.user_id,
                stripe_subscription_id=info.id,
                plan_id=plan.id,
                tier=plan.tier,
                status=INCOMPLETE,
                cancel_at_period_end=False,
                created_at=now,
                updated_at=now,
            )
            s.add(sub)
        s.info.setdefault(_CHANGED_USERS, set()).add(sub.user_id)
        before = await self._tier(s, sub.user_id)
        sub.status = _STATUS_OF_STRIPE.get(info.status, INCOMPLETE)
        sub.current_period_start = info.current_period_start
        sub.current_period_end = info.current_period_end
        sub.cancel_at_period_end = info.cancel_at_period_end
        sub.canceled_at = info.canceled_at
        sub.updated_at = now
        await s.flush()
        after = await self._tier(s, sub.user_id)
        first_activation = sub.status == ACTIVE and sub.activated_at is None
        if first_activation:
            sub.activated_at = now
            await self._announce(s, sub)
        if before != after or mail:
            notice = mail or ("welcome" if first_activation else "ended" if after == "free" else None)
            s.add(
                PlanChange(user_id=sub.user_id, plan=after, mail=notice, mail_plan=sub.tier, created_at=now)
            )
        return sub

    async def _tier(self, s: AsyncSession, user_id: str) -> str:
        current = await self._in_force(s, user_id)
        return current.tier if current else "free"

    async def _announce(self, s: AsyncSession, sub: Subscription) -> None:
        channel = events.user_notifications_channel(sub.user_id)
        payload = SubscriptionActivated(user_id=sub.user_id, plan=sub.tier, subscription_id=sub.id)
        if sub.current_period_end:
            payload.current_period_end.FromDatetime(sub.current_period_end)
        event = events.new_event("subscription_activated", channel, payload, "billing", self.clock)
        await outbox.stage(s, channel, event.SerializeToString(), table=OUTBOX, clock=self.clock)

    async def mark_session(self, s: AsyncSession, session_id: str, status: str) -> None:
        session = await s.get(CheckoutSession, session_id)
        if session is not None:
            session.status = status
