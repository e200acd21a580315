"""The Stripe twin keeps its objects in a file: a checkout and a deposit started before a restart
of the twin are paid after it, through the new server's pages, and billing applies them."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from sqlalchemy import select

from svc_billing.adapters.stripe.sdk import StripeSdkGateway
from svc_billing.adapters.stripe.twin import StripeTwin, TwinServer
from svc_billing.models import Customer
from tests.billing.conftest import WEBHOOK_SECRET, World


async def restart_twin(world: World, state: Path) -> StripeTwin:
    """Stop the twin and start a new one on the same file, at a new address; billing's adapter
    follows it (as `make run` does with its fixed port)."""
    await world.twin_server.stop()
    await world.stripe.close()
    twin = StripeTwin(WEBHOOK_SECRET, world.clock, state_path=state)
    twin.send_webhooks = False
    server = TwinServer(twin, "127.0.0.1", 0)
    await server.start()
    world.twin, world.twin_server = twin, server
    world.stripe = StripeSdkGateway("sk_test_billing", server.base_url, timeout_s=15, clock=world.clock)
    for holder in (world.billing.subscriptions, world.billing.deposits, world.billing.events):
        holder.stripe = world.stripe
    world.delivered = 0
    return twin


async def press_pay(url: str) -> None:
    async with aiohttp.ClientSession() as http, http.post(url, allow_redirects=False) as r:
        assert r.status in (200, 303)


async def test_a_checkout_and_a_deposit_started_before_a_restart_are_paid_after_it(
    make_world, tmp_path: Path
) -> None:
    world: World = await make_world()
    state = tmp_path / "stripe_twin.json"
    world.twin.state_path = state
    session = await world.billing.subscriptions.checkout("u1", "u1@x.com", "pro-monthly", None, "k" * 16)
    deposit = await world.billing.deposits.start("u1", "u1@x.com", 2_500, "USD", "card", "d" * 16)
    assert state.exists()

    twin = await restart_twin(world, state)
    assert twin.objects[session.id]["url"] == f"{world.twin_server.base_url}/checkout/{session.id}"
    await press_pay(f"{world.twin_server.base_url}/checkout/{session.id}/pay")
    await press_pay(f"{world.twin_server.base_url}/pay/{deposit.intent.id}/pay")
    assert await world.deliver_new() == ["applied", "applied", "applied"]

    sub = await world.billing.subscriptions.latest("u1")
    assert sub is not None
    assert (sub.status, sub.tier) == ("active", "pro")
    assert (await world.billing.wallets.view("u1")).balance_minor == 2_500
    # Idempotency-Key replay survives too: a retried create answers the first customer
    async with world.ctx.db.session() as s:
        first = await s.scalar(select(Customer.stripe_customer_id).where(Customer.user_id == "u1"))
    assert await world.stripe.create_customer("u1", "u1@x.com", "customer-u1") == first
