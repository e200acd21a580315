"""A deleted account in billing (stream auth.account_deleted): the customer's email is replaced,
the Stripe customer anonymised, the financial records stay under the user id, and a redelivery
changes nothing."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import func, select

from core.account_deletion import STREAM, AccountDeletions
from core.errors import Unavailable
from svc_billing import models as m
from svc_billing.erasure import anonymise_customer, deleted_email
from svc_billing.wallet import INVESTMENT_WITHDRAWAL
from tests.billing.conftest import World


async def records(world: World, user_id: str) -> tuple[str | None, int, int, int]:
    async with world.ctx.db.session() as s:
        email = await s.scalar(select(m.Customer.email).where(m.Customer.user_id == user_id))
        sessions = await s.scalar(select(func.count()).where(m.CheckoutSession.user_id == user_id))
        moves = await s.scalar(select(func.count()).where(m.WalletTransaction.user_id == user_id))
        entries = await s.scalar(select(func.count()).where(m.LedgerEntry.account == f"wallet:{user_id}"))
    return email, int(sessions or 0), int(moves or 0), int(entries or 0)


async def test_a_deleted_account_keeps_its_ledger_and_loses_its_email(world: World) -> None:
    await world.billing.subscriptions.checkout("gone", "gone@example.com", "pro-monthly", None, "k1")
    await world.billing.wallets.transfer("gone", INVESTMENT_WITHDRAWAL, 2500, "USD", "acct-1", "k2")
    await world.billing.subscriptions.checkout("kept", "kept@example.com", "pro-monthly", None, "k3")
    email, sessions, moves, entries = await records(world, "gone")
    assert (email, sessions, moves) == ("gone@example.com", 1, 1)
    assert entries >= 1

    deletions = AccountDeletions(
        world.ctx.bus, "billing", lambda user: anonymise_customer(world.ctx.db, world.stripe, user)
    )
    running = asyncio.create_task(deletions.run())
    try:
        await world.ctx.bus.xadd(STREAM, json.dumps({"user_id": "gone", "deleted_at": "x"}).encode())
        for _ in range(500):
            if (await records(world, "gone"))[0] == deleted_email("gone"):
                break
            await asyncio.sleep(0.01)
    finally:
        running.cancel()
    assert await records(world, "gone") == (deleted_email("gone"), 1, 1, entries)
    assert (await records(world, "kept"))[0] == "kept@example.com"
    await anonymise_customer(world.ctx.db, world.stripe, "gone")  # redelivered: the same
    assert await records(world, "gone") == (deleted_email("gone"), 1, 1, entries)


async def test_the_stripe_customer_is_anonymised_through_the_adapter(world: World) -> None:
    await world.billing.subscriptions.checkout("gone", "gone@example.com", "pro-monthly", None, "k1")
    await world.billing.subscriptions.checkout("kept", "kept@example.com", "pro-monthly", None, "k3")
    customers = {
        c["metadata"].get("user_id"): c for c in world.twin.objects.values() if c["object"] == "customer"
    }
    gone, kept = customers["gone"], customers["kept"]
    await anonymise_customer(world.ctx.db, world.stripe, "gone")
    assert {k: gone[k] for k in ("name", "email", "phone", "description", "metadata")} == {
        "name": None, "email": None, "phone": None, "description": None, "metadata": {},
    }  # fmt: skip
    assert world.twin.objects[gone["id"]]["object"] == "customer"  # kept, with its payments
    assert (kept["email"], kept["metadata"]) == ("kept@example.com", {"user_id": "kept"})


async def test_stripe_down_leaves_the_deletion_to_be_delivered_again(world: World) -> None:
    await world.billing.subscriptions.checkout("gone", "gone@example.com", "pro-monthly", None, "k1")
    world.twin.fail_next = 3  # every attempt of the idempotent update fails
    with pytest.raises(Unavailable):
        await anonymise_customer(world.ctx.db, world.stripe, "gone")
    assert (await records(world, "gone"))[0] == "gone@example.com"
    await anonymise_customer(world.ctx.db, world.stripe, "gone")
    assert (await records(world, "gone"))[0] == deleted_email("gone")
