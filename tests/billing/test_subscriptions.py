"""Checkout through the `stripe` SDK against the twin, and the four subscription events: each
applied once, in any order, converging to Stripe's state; a missed one found by the poller."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from trading.events.v1.events_envelope_pb2 import Event

from core.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Unavailable
from svc_billing.models import PlanChange, StripeEvent, Subscription
from svc_billing.plan_cache import UserPlan, decode_plan, plan_cache_key
from svc_billing.stripe_events import IncomingEvent
from tests.billing.conftest import World

KEY = "checkout-key-0001"
OTHER_KEY = "another-key-0001"


async def subscribe(world: World, user: str = "u1", plan: str = "pro-monthly") -> str:
    """Check out and pay; returns the Stripe subscription id (events not delivered yet)."""
    session = await world.billing.subscriptions.checkout(user, f"{user}@example.com", plan, None, KEY)
    paid = world.twin.pay_checkout(session.id)
    return str(paid["subscription"])


async def subscription_of(world: World, user: str = "u1") -> Subscription:
    sub = await world.billing.subscriptions.latest(user)
    assert sub is not None
    return sub


async def test_checkout_reuses_one_customer_and_answers_a_retry_with_the_same_session(world: World) -> None:
    first = await world.billing.subscriptions.checkout("u1", "u1@example.com", "pro-monthly", None, KEY)
    again = await world.billing.subscriptions.checkout("u1", "u1@example.com", "pro-monthly", None, KEY)
    other = await world.billing.subscriptions.checkout(
        "u1", "u1@example.com", "basic-yearly", None, OTHER_KEY
    )
    assert again.id == first.id
    assert first.url.startswith(world.twin_server.base_url + "/checkout/")
    customers = {world.twin.objects[s.id]["customer"] for s in (first, other)}
    assert len(customers) == 1
    assert world.twin.objects[other.id]["price_data"]["recurring"]["interval"] == "year"
    assert world.twin.objects[first.id]["success_url"].startswith("http://localhost:8080/billing/success")


async def test_a_known_promotion_code_is_applied_and_an_unknown_one_is_invalid(world: World) -> None:
    session = await world.billing.subscriptions.checkout("u1", "u1@x.com", "pro-monthly", "WELCOME10", KEY)
    assert world.twin.objects[session.id]["discount"] == world.twin.promotion_codes["WELCOME10"]["id"]
    with pytest.raises(InvalidArgument):
        await world.billing.subscriptions.checkout("u1", "u1@x.com", "pro-monthly", "NOPE", OTHER_KEY)


async def test_the_free_plan_and_unknown_plans_have_no_checkout(world: World) -> None:
    with pytest.raises(InvalidArgument):
        await world.billing.subscriptions.checkout("u1", "u1@x.com", "free", None, KEY)
    with pytest.raises(NotFound):
        await world.billing.subscriptions.checkout("u1", "u1@x.com", "gold-monthly", None, KEY)


async def test_stripe_down_is_unavailable_with_retry_info_and_nothing_half_made(world: World) -> None:
    world.twin.fail_next = 100
    with pytest.raises(Unavailable) as failed:
        await world.billing.subscriptions.checkout("u1", "u1@x.com", "pro-monthly", None, KEY)
    assert failed.value.retry_after_s
    assert await world.billing.subscriptions.latest("u1") is None
    assert not [o for o in world.twin.objects.values() if o["object"] == "checkout.session"]
    for _ in range(5):  # the breaker opens: calls fail fast without reaching Stripe
        with pytest.raises(Unavailable):
            await world.billing.subscriptions.checkout("u1", "u1@x.com", "pro-monthly", None, KEY)
    assert world.stripe.breaker.state == "open"


async def test_checkout_completed_activates_sets_the_plan_caches_it_mails_and_announces(world: World) -> None:
    await subscribe(world)
    assert await world.deliver_new() == ["applied", "applied"]
    sub = await subscription_of(world)
    assert (sub.status, sub.tier) == ("active", "pro")
    await world.built.plan_sync.drain()
    assert world.accounts.plans == {"u1": "pro"}
    cached = decode_plan(await world.ctx.kv.get(plan_cache_key("u1")) or b"")
    assert cached == UserPlan("pro", sub.current_period_end)
    assert [m[1] for m in world.accounts.mails] == ["Welcome to Pro"]
    async with world.ctx.bus.subscribe("user:u1:notifications") as messages:
        await world.built.relay.drain()
        event = Event.FromString((await anext(messages)).data)
    assert event.type == "subscription_activated"
    assert event.subscription_activated.plan == "pro"


async def test_renewal_moves_the_period_end(world: World) -> None:
    sub_id = await subscribe(world)
    await world.deliver_new()
    before = (await subscription_of(world)).current_period_end
    world.clock.advance(30 * 86400)
    world.twin.renew(sub_id)
    assert await world.deliver_new() == ["applied"]
    after = (await subscription_of(world)).current_period_end
    assert before is not None
    assert after is not None
    assert after > before


async def test_get_user_plan_answers_from_the_cache_and_falls_back_to_the_database(world: World) -> None:
    await subscribe(world)
    await world.deliver_new()
    key = plan_cache_key("u1")
    await world.ctx.kv.delete(key)
    from_db = await world.billing.subscriptions.user_plan("u1")  # a miss: read and cached again
    assert from_db.tier == "pro"
    assert decode_plan(await world.ctx.kv.get(key) or b"") == from_db
    await world.ctx.kv.set(key, b"premium", 3600)  # what the cache says is what is answered
    assert (await world.billing.subscriptions.user_plan("u1")).tier == "premium"
    world.clock.advance(3601)  # the hour is over: back to the subscriptions
    assert (await world.billing.subscriptions.user_plan("u1")).tier == "pro"
    assert await world.ctx.kv.ttl(key) == 3600


async def test_every_subscription_change_updates_the_cached_plan(world: World) -> None:
    sub_id = await subscribe(world)
    await world.deliver_new()
    first = await world.billing.subscriptions.user_plan("u1")
    world.clock.advance(30 * 86400 - 60)
    world.twin.renew(sub_id)
    await world.deliver_new()  # a renewal changes no tier, but the period end moves in the cache
    renewed = await world.billing.subscriptions.user_plan("u1")
    assert renewed.tier == "pro"
    assert first.valid_until is not None
    assert renewed.valid_until is not None
    assert renewed.valid_until > first.valid_until
    world.twin.cancel(sub_id)
    await world.deliver_new()  # before plan delivery to auth: the cache is already free
    assert await world.billing.subscriptions.user_plan("u1") == UserPlan("free", None)


async def test_payment_failed_marks_past_due_keeps_the_plan_and_tells_the_user(world: World) -> None:
    sub_id = await subscribe(world)
    await world.deliver_new()
    world.twin.fail_payment(sub_id)
    await world.deliver_new()
    await world.built.plan_sync.drain()
    assert (await subscription_of(world)).status == "past_due"
    assert world.accounts.plans["u1"] == "pro"
    assert [m[1] for m in world.accounts.mails] == ["Welcome to Pro", "Your payment did not go through"]


async def test_deletion_ends_the_subscription_and_returns_the_user_to_free(world: World) -> None:
    sub_id = await subscribe(world)
    await world.deliver_new()
    world.twin.cancel(sub_id)
    await world.deliver_new()
    await world.built.plan_sync.drain()
    assert (await subscription_of(world)).status == "canceled"
    assert world.accounts.plans["u1"] == "free"
    assert (await world.billing.subscriptions.user_plan("u1")).tier == "free"


async def test_twenty_deliveries_of_one_event_have_one_effect(world: World) -> None:
    await subscribe(world)
    completed = world.twin.events[0]
    outcomes = await asyncio.gather(*(world.deliver(completed) for _ in range(20)))
    assert sorted(outcomes) == ["applied"] + ["duplicate"] * 19
    async with world.ctx.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(PlanChange)) == 1
        assert await s.scalar(select(func.count()).select_from(Subscription)) == 1


async def test_renewal_before_activation_converges(world: World) -> None:
    await subscribe(world)
    completed, paid = world.twin.events
    assert await world.deliver(paid) == "applied"  # the invoice first: Stripe's subscription is fetched
    assert (await subscription_of(world)).status == "active"
    assert await world.deliver(completed) == "applied"
    await world.built.plan_sync.drain()
    assert world.accounts.plans == {"u1": "pro"}
    assert len(world.accounts.mails) == 1


async def test_deletion_before_payment_stays_canceled(world: World) -> None:
    sub_id = await subscribe(world)
    world.twin.cancel(sub_id)
    completed, paid, deleted = world.twin.events
    for event in (deleted, paid, completed):
        await world.deliver(event)
    await world.built.plan_sync.drain()
    assert (await subscription_of(world)).status == "canceled"
    assert world.accounts.plans.get("u1", "free") == "free"


async def test_a_crash_between_storing_and_applying_is_applied_once_after_restart(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = await make_world()
    await subscribe(world)
    completed = world.twin.events[0]
    incoming = IncomingEvent(
        completed["id"],
        completed["type"],
        json.dumps(completed).encode(),
        datetime.fromtimestamp(completed["created"], UTC),
        False,
    )
    await world.billing.events.store(incoming)  # ... and the process dies here
    async with world.ctx.db.session() as s:
        stored = await s.get(StripeEvent, completed["id"])
        assert stored is not None
        assert stored.applied_at is None
    assert await world.built.poller.poll_once() >= 1  # after the restart, the poller's first round
    assert (await subscription_of(world)).status == "active"
    assert await world.deliver(completed) == "duplicate"  # Stripe's redelivery changes nothing


async def test_unknown_event_types_are_acknowledged_and_ignored(world: World) -> None:
    event = {
        "id": "evt_unknown1",
        "type": "customer.created",
        "created": 1,
        "livemode": False,
        "data": {"object": {"id": "cus_1"}},
    }
    assert await world.deliver(event) == "ignored"


async def test_the_poller_finds_a_checkout_whose_webhook_was_missed(world: World) -> None:
    await subscribe(world)  # the webhooks are lost
    assert await world.built.poller.poll_once() == 1
    assert (await subscription_of(world)).status == "active"
    assert await world.deliver_new() == ["applied", "applied"]  # late webhooks: no second effect
    await world.built.plan_sync.drain()
    assert len(world.accounts.mails) == 1


async def test_cancel_at_period_end_keeps_the_plan_and_only_admins_cancel_at_once(world: World) -> None:
    await subscribe(world)
    await world.deliver_new()
    with pytest.raises(PermissionDenied):
        await world.billing.subscriptions.cancel("u1", immediately=True, is_admin=False)
    sub = await world.billing.subscriptions.cancel("u1", immediately=False, is_admin=False)
    assert (sub.status, sub.cancel_at_period_end) == ("active", True)
    again = await world.billing.subscriptions.cancel("u1", immediately=False, is_admin=False)
    assert again.cancel_at_period_end
    ended = await world.billing.subscriptions.cancel("u1", immediately=True, is_admin=True)
    assert ended.status == "canceled"


async def test_a_second_checkout_while_subscribed_is_refused(world: World) -> None:
    await subscribe(world)
    await world.deliver_new()
    with pytest.raises(FailedPrecondition):
        await world.billing.subscriptions.checkout("u1", "u1@x.com", "premium-monthly", None, OTHER_KEY)


async def test_auth_down_delays_the_plan_change_without_losing_it(world: World) -> None:
    await subscribe(world)
    world.accounts.down = True
    await world.deliver_new()
    with pytest.raises(ConnectionError):
        await world.built.plan_sync.drain()
    world.accounts.down = False
    await world.built.plan_sync.drain()
    assert world.accounts.plans == {"u1": "pro"}


async def test_a_plan_change_for_a_user_auth_does_not_know_is_dropped_without_blocking_the_rest(
    world: World,
) -> None:
    await subscribe(world, "gone")
    await world.deliver_new()
    await subscribe(world, "u2")
    await world.deliver_new()
    world.accounts.unknown.add("gone")
    assert await world.built.plan_sync.drain() == 2
    assert world.accounts.plans == {"u2": "pro"}
    assert await world.built.plan_sync.drain() == 0
