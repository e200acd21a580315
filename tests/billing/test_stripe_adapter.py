"""The `stripe`-SDK adapter against the twin on loopback, speaking Stripe's wire format: the
contract billing relies on, Idempotency-Key on every create, a deadline, retries of idempotent
calls only, and the circuit breaker."""

from __future__ import annotations

import pytest

from core.errors import NotFound, Unavailable
from svc_billing.adapters.stripe.gateway import CheckoutRequest
from svc_billing.adapters.stripe.sdk import StripeSdkGateway
from svc_billing.adapters.stripe.wire import SignatureError, decode_form, sign, verify
from tests.billing.conftest import World


def checkout(customer: str, key: str = "idem-1") -> CheckoutRequest:
    return CheckoutRequest(
        customer_id=customer, user_id="u1", plan_id="pro-yearly", product_name="Pro (yearly)",
        unit_amount_minor=49_000, currency="USD", interval="year", success_url="http://x/ok",
        cancel_url="http://x/no", promotion_code_id=None, idempotency_key=key,
    )  # fmt: skip


async def test_objects_round_trip_through_the_sdk(world: World) -> None:
    stripe = world.stripe
    customer = await stripe.create_customer("u1", "u1@x.com", "cust-key")
    session = await stripe.create_checkout_session(checkout(customer))
    assert (await stripe.retrieve_checkout_session(session.id)).status == "open"
    world.twin.pay_checkout(session.id)
    done = await stripe.retrieve_checkout_session(session.id)
    assert done.status == "complete"
    assert done.subscription_id is not None
    sub = await stripe.retrieve_subscription(done.subscription_id)
    assert (sub.status, sub.user_id, sub.plan_id, sub.customer_id) == ("active", "u1", "pro-yearly", customer)
    ending = await stripe.cancel_subscription(sub.id, at_period_end=True)
    assert ending.cancel_at_period_end
    assert (await stripe.cancel_subscription(sub.id, at_period_end=False)).status == "canceled"
    intent = await stripe.create_payment_intent(1_234, "USD", customer, {"user_id": "u1"}, "pi-key")
    assert (intent.amount_minor, intent.currency, intent.metadata) == (1_234, "USD", {"user_id": "u1"})
    assert intent.client_secret.startswith(intent.id)
    assert await stripe.find_promotion_code("LAUNCH25") is not None
    assert await stripe.find_promotion_code("NOPE") is None


async def test_every_create_carries_its_idempotency_key_and_a_retry_gets_the_same_object(
    world: World,
) -> None:
    first = await world.stripe.create_customer("u1", "u1@x.com", "cust-key")
    again = await world.stripe.create_customer("u1", "u1@x.com", "cust-key")
    assert first == again
    assert world.twin.idempotency_keys == ["cust-key", "cust-key"]


async def test_a_missing_object_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await world.stripe.retrieve_subscription("sub_missing")


async def test_a_transient_failure_of_an_idempotent_call_is_retried(world: World) -> None:
    world.twin.fail_next = 2
    assert await world.stripe.create_customer("u1", "u1@x.com", "cust-key")


async def test_a_stalled_stripe_hits_the_deadline_and_is_unavailable(world: World) -> None:
    stalled = StripeSdkGateway("sk_test_x", world.twin_server.base_url, timeout_s=0.5, clock=world.clock)
    world.twin.stall_next = 3
    try:
        with pytest.raises(Unavailable) as failed:
            await stalled.create_customer("u1", "u1@x.com", "cust-key")
        assert failed.value.reason == "STRIPE_UNAVAILABLE"
    finally:
        await stalled.close()


async def test_the_breaker_opens_after_repeated_failures_and_closes_after_its_reset(world: World) -> None:
    world.twin.fail_next = 1000
    for _ in range(2):
        with pytest.raises(Unavailable):
            await world.stripe.retrieve_subscription("sub_1")
    assert world.stripe.breaker.state == "open"
    calls_before = world.twin.fail_next
    with pytest.raises(Unavailable) as fast:
        await world.stripe.retrieve_subscription("sub_1")
    assert fast.value.reason == "CIRCUIT_OPEN"
    assert world.twin.fail_next == calls_before  # refused without calling Stripe
    world.twin.fail_next = 0
    world.clock.advance(31)
    with pytest.raises(NotFound):  # the trial call reaches Stripe again
        await world.stripe.retrieve_subscription("sub_1")
    assert world.stripe.breaker.state == "closed"


def test_nested_form_parameters_decode_as_stripe_encodes_them() -> None:
    pairs = [("line_items[0][price_data][currency]", "usd"), ("line_items[0][quantity]", "1"),
             ("metadata[user_id]", "u1"), ("mode", "subscription")]  # fmt: skip
    assert decode_form(pairs) == {
        "line_items": [{"price_data": {"currency": "usd"}, "quantity": "1"}],
        "metadata": {"user_id": "u1"},
        "mode": "subscription",
    }


def test_signatures_agree_with_the_stripe_sdk() -> None:
    import stripe

    payload = b'{"id": "evt_1"}'
    ours = sign(payload, "whsec_x", 1_700_000_000)
    theirs = stripe.WebhookSignature.generate_signature_header(payload.decode(), "whsec_x", 1_700_000_000)
    assert ours == theirs
    verify(payload, theirs, "whsec_x", 1_700_000_000 + 300)
    with pytest.raises(SignatureError):
        verify(payload, theirs, "whsec_x", 1_700_000_000 + 301)
