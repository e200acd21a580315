"""Wallet deposits: a PaymentIntent credited only when Stripe says it succeeded, once; refunds."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from core.errors import InvalidArgument
from svc_billing.models import LedgerEntry, WalletTransaction
from svc_billing.wallet import INVESTMENT_DEPOSIT
from tests.billing.conftest import World
from tests.billing.test_wallet import assert_books_balance

KEY = "deposit-key-00001"


async def start(world: World, minor: int = 5_000, key: str = KEY, currency: str = "USD") -> str:
    deposit = await world.billing.deposits.start("u1", "u1@x.com", minor, currency, "card", key)
    return str(deposit.intent.id)


async def test_a_deposit_is_pending_until_stripe_says_it_succeeded(world: World) -> None:
    intent = await start(world)
    view = await world.billing.wallets.view("u1")
    assert (view.balance_minor, view.pending_minor) == (0, 5_000)
    world.twin.pay_intent(intent)
    assert await world.deliver_new() == ["applied"]
    view = await world.billing.wallets.view("u1")
    assert (view.balance_minor, view.pending_minor) == (5_000, 0)
    await assert_books_balance(world)


async def test_a_retried_deposit_request_returns_the_same_payment(world: World) -> None:
    first = await world.billing.deposits.start("u1", "u1@x.com", 5_000, "USD", "card", KEY)
    again = await world.billing.deposits.start("u1", "u1@x.com", 5_000, "USD", "card", KEY)
    assert again.intent.id == first.intent.id
    assert again.transaction.id == first.transaction.id
    assert len([o for o in world.twin.objects.values() if o["object"] == "payment_intent"]) == 1


async def test_twenty_deliveries_of_a_payment_credit_it_once(world: World) -> None:
    world.twin.pay_intent(await start(world))
    event = world.twin.events[-1]
    outcomes = await asyncio.gather(*(world.deliver(event) for _ in range(20)))
    assert outcomes.count("applied") == 1
    assert (await world.billing.wallets.view("u1")).balance_minor == 5_000
    await assert_books_balance(world)


@pytest.mark.parametrize(
    ("minor", "currency"),
    [(0, "USD"), (-100, "USD"), (100_000_001, "USD"), (100, "GBP")],
    ids=["zero", "negative", "above-limit", "wrong-currency"],
)
async def test_a_bad_deposit_amount_is_invalid_and_writes_nothing(
    world: World, minor: int, currency: str
) -> None:
    with pytest.raises(InvalidArgument):
        await start(world, minor, currency=currency)
    async with world.ctx.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(WalletTransaction)) == 0
    assert not world.twin.objects


async def test_the_poller_credits_a_payment_whose_webhook_was_missed(world: World) -> None:
    world.twin.pay_intent(await start(world))  # the webhook is lost
    assert await world.built.poller.poll_once() == 1
    assert (await world.billing.wallets.view("u1")).balance_minor == 5_000
    assert await world.deliver_new() == ["ignored"]  # the late webhook changes nothing
    assert (await world.billing.wallets.view("u1")).balance_minor == 5_000


async def test_a_refund_debits_the_wallet_once(world: World) -> None:
    intent = await start(world)
    world.twin.pay_intent(intent)
    world.twin.refund(intent, 2_000)
    refund_event = world.twin.events[-1]
    await world.deliver_new()
    assert await world.deliver(refund_event) == "duplicate"
    assert (await world.billing.wallets.view("u1")).balance_minor == 3_000
    await assert_books_balance(world)


async def test_a_refund_larger_than_the_balance_never_takes_it_below_zero(world: World) -> None:
    intent = await start(world)
    world.twin.pay_intent(intent)
    await world.deliver_new()
    await world.billing.wallets.transfer("u1", INVESTMENT_DEPOSIT, 4_000, "USD", "acct-1", "invest-000000001")
    world.clock.advance(60)
    world.twin.refund(intent)
    await world.deliver_new()
    view = await world.billing.wallets.view("u1")
    assert view.balance_minor == 1_000
    assert view.transactions[0].status == "failed"
    async with world.ctx.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(LedgerEntry)) == 4
    await assert_books_balance(world)
