"""A deleted account in billing: the financial records (wallet, transactions, ledger, checkout
sessions, subscriptions, plan changes) are kept, as the ledger requires, with the user id (auth's
pseudonym) as their only link to the person; the email copied onto the customer row is replaced
by the same placeholder auth uses, and the Stripe customer is anonymised through the adapter
(name, email, phone, description and metadata cleared; Stripe keeps its payments and invoices)."""

from __future__ import annotations

from sqlalchemy import select, update

from core.db import Database
from svc_billing import models as m
from svc_billing.adapters.stripe.gateway import StripeGateway


def deleted_email(user_id: str) -> str:
    return f"deleted-{user_id}@deleted.invalid"


async def anonymise_customer(db: Database, stripe: StripeGateway, user_id: str) -> None:
    """Idempotent: a second run writes the same. Stripe first: if it is down this raises, the
    deletion entry stays unacknowledged and is delivered again."""
    async with db.session() as s:
        customer_id = await s.scalar(
            select(m.Customer.stripe_customer_id).where(m.Customer.user_id == user_id)
        )
    if customer_id is not None:
        await stripe.anonymise_customer(customer_id)
    async with db.transaction() as s:
        await s.execute(
            update(m.Customer).where(m.Customer.user_id == user_id).values(email=deleted_email(user_id))
        )
