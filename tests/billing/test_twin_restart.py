"""The Stripe twin keeps its objects in billing's database: a checkout and a deposit started before
a restart of the twin are paid after it, and two twins on one database (two billing replicas)
serve the same objects, so a checkout made through one is paid on the other, once."""

from __future__ import annotations

import aiohttp
from sqlalchemy import select

from svc_billing.adapters.stripe.sdk import StripeSdkGateway
from svc_billing.adapters.stripe.twin import StripeTwin, TwinServer
from svc_billing.adapters.stripe.twin_store import DatabaseTwinStore
from svc_billing.models import Customer, PlanChange, Subscription
from tests.billing.conftest import WEBHOOK_SECRET, World


async def another_twin(world: World) -> tuple[StripeTwin, TwinServer]:
    """A twin as another billing process serves it: its own memory, lock and address, the same
    database."""
    twin = StripeTwin(WEBHOOK_SECRET, world.clock, store=DatabaseTwinStore(world.ctx.db))
    twin.send_webhooks = False
    server = TwinServer(twin, "127.0.0.1", 0)
    await server.start()
    return twin, server


async def restart_twin(world: World) -> StripeTwin:
    """Stop the twin and start a new one on the same database, at a new address; billing's adapter
    follows it (as `make run` does with its fixed port)."""
    await world.twin_server.stop()
    await world.stripe.close()
    twin, server = await another_twin(world)
    world.twin, world.twin_server = twin, server
    world.stripe = StripeSdkGateway("sk_test_billing", server.base_url, timeout_s=15, clock=world.clock)
    for holder in (world.billing.subscriptions, world.billing.deposits, world.billing.events):
        holder.stripe = world.stripe
    world.delivered = 0
    return twin


async def press_pay(url: str) -> None:
    async with aiohttp.ClientSession() as http, http.post(url, allow_redirects=False) as r:
        assert r.status in (200, 303)


async def retrieve(url: str) -> dict:
    headers = {"Authorization": "Bearer sk_test_billing"}
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as r:
        assert r.status == 200, await r.text()
        return dict(await r.json())


async def test_a_checkout_and_a_deposit_started_before_a_restart_are_paid_after_it(make_world) -> None:
    world: World = await make_world()
    world.twin.store = DatabaseTwinStore(world.ctx.db)
    session = await world.billing.subscriptions.checkout("u1", "u1@x.com", "pro-monthly", None, "k" * 16)
    deposit = await world.billing.deposits.start("u1", "u1@x.com", 2_500, "USD", "card", "d" * 16)

    await restart_twin(world)
    base = world.twin_server.base_url
    kept = await retrieve(f"{base}/v1/checkout/sessions/{session.id}")
    assert kept["url"] == f"{base}/checkout/{session.id}"  # its page moved to the new address
    await press_pay(f"{base}/checkout/{session.id}/pay")
    await press_pay(f"{base}/pay/{deposit.intent.id}/pay")
    assert await world.deliver_new() == ["applied", "applied", "applied"]

    sub = await world.billing.subscriptions.latest("u1")
    assert sub is not None
    assert (sub.status, sub.tier) == ("active", "pro")
    assert (await world.billing.wallets.view("u1")).balance_minor == 2_500
    # Idempotency-Key replay survives too: a retried create answers the first customer
    async with world.ctx.db.session() as s:
        first = await s.scalar(select(Customer.stripe_customer_id).where(Customer.user_id == "u1"))
    assert await world.stripe.create_customer("u1", "u1@x.com", "customer-u1") == first


async def test_a_checkout_made_through_one_twin_is_paid_on_another_once(make_world) -> None:
    world: World = await make_world()
    world.twin.store = DatabaseTwinStore(world.ctx.db)
    other, other_server = await another_twin(world)
    try:
        session = await world.billing.subscriptions.checkout("u1", "u1@x.com", "pro-monthly", None, "k" * 16)
        await press_pay(f"{other_server.base_url}/checkout/{session.id}/pay")
        await press_pay(f"{other_server.base_url}/checkout/{session.id}/pay")  # a second press: paid
        paid = ["checkout.session.completed", "invoice.payment_succeeded"]
        assert [e["type"] for e in other.events] == paid
        assert world.twin.events == []

        # billing's adapter still talks to the first twin, which now sees the payment
        for event in other.events:
            assert await world.deliver(event) == "applied"
        await world.built.plan_sync.drain()
        assert world.accounts.plans == {"u1": "pro"}
        async with world.ctx.db.session() as s:
            subs = (await s.scalars(select(Subscription).where(Subscription.user_id == "u1"))).all()
            changes = (await s.scalars(select(PlanChange).where(PlanChange.user_id == "u1"))).all()
        assert [(sub.status, sub.tier) for sub in subs] == [("active", "pro")]
        assert [(c.plan, c.delivered_at is not None) for c in changes] == [("pro", True)]
    finally:
        await other_server.stop()
