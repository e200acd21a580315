"""What billing records for operators: the Stripe webhook delay (event created -> applied, on
the injected clock) and wallet movements by kind, never by user."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from core.errors import FailedPrecondition
from svc_billing.wallet import INVESTMENT_DEPOSIT, INVESTMENT_WITHDRAWAL
from tests.billing.conftest import World


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_the_webhook_delay_is_observed_once_per_applied_event(world: World) -> None:
    count, total = (
        sample("webhook_delay_seconds_count", vendor="stripe"),
        sample("webhook_delay_seconds_sum", vendor="stripe"),
    )
    under_5s = sample("webhook_delay_seconds_bucket", vendor="stripe", le="5.0")
    session = await world.billing.subscriptions.checkout("u1", "u1@x.com", "pro-monthly", None, "k" * 16)
    world.twin.pay_checkout(session.id)
    world.clock.advance(3)  # Stripe created the events 3 s before they arrive
    assert await world.deliver_new() == ["applied", "applied"]
    await world.deliver(world.twin.events[0])  # a redelivery applies nothing and is not observed
    assert sample("webhook_delay_seconds_count", vendor="stripe") == count + 2
    assert sample("webhook_delay_seconds_sum", vendor="stripe") == pytest.approx(total + 6)
    assert sample("webhook_delay_seconds_bucket", vendor="stripe", le="5.0") == under_5s + 2


async def test_wallet_movements_are_counted_by_kind_and_direction(world: World) -> None:
    def moved(kind: str, direction: str) -> tuple[float, float]:
        return (
            sample("wallet_movements_total", kind=kind),
            sample("wallet_moved_minor_units_total", kind=kind, direction=direction, currency="USD"),
        )

    ins, outs = moved(INVESTMENT_WITHDRAWAL, "in"), moved(INVESTMENT_DEPOSIT, "out")
    deposits = moved("deposit", "in")
    await world.billing.wallets.transfer("u1", INVESTMENT_WITHDRAWAL, 5_000, "USD", "acct-1", "a" * 16)
    await world.billing.wallets.transfer("u1", INVESTMENT_DEPOSIT, 1_200, "USD", "acct-1", "b" * 16)
    await world.billing.wallets.transfer(
        "u1", INVESTMENT_DEPOSIT, 1_200, "USD", "acct-1", "b" * 16
    )  # a retry
    refused = await _overdraft(world)
    deposit = await world.billing.deposits.start("u1", "u1@x.com", 700, "USD", "card", "c" * 16)
    world.twin.pay_intent(deposit.intent.id)
    await world.deliver_new()
    assert moved(INVESTMENT_WITHDRAWAL, "in") == (ins[0] + 1, ins[1] + 5_000)
    assert moved(INVESTMENT_DEPOSIT, "out") == (outs[0] + 1, outs[1] + 1_200)
    assert moved("deposit", "in") == (deposits[0] + 1, deposits[1] + 700)
    assert refused == "INSUFFICIENT_FUNDS"
    names = {s.name for m in REGISTRY.collect() for s in m.samples if s.name.startswith("wallet_")}
    labels = {k for m in REGISTRY.collect() for s in m.samples if s.name in names for k in s.labels}
    assert labels <= {"kind", "direction", "currency"}


async def _overdraft(world: World) -> str:
    try:
        await world.billing.wallets.transfer("u1", INVESTMENT_DEPOSIT, 10**7, "USD", "acct-1", "d" * 16)
    except FailedPrecondition as e:
        return e.reason
    return "moved"
