"""A deleted account in billing: the financial records (wallet, transactions, ledger, checkout
sessions, subscriptions, plan changes) are kept, as the ledger requires, with the user id (auth's
pseudonym) as their only link to the person; the email copied onto the customer row is replaced
by the same placeholder auth uses."""

from __future__ import annotations

from sqlalchemy import update

from core.db import Database
from svc_billing import models as m


def deleted_email(user_id: str) -> str:
    return f"deleted-{user_id}@deleted.invalid"


async def anonymise_customer(db: Database, user_id: str) -> None:
    """Idempotent: a second run writes the same placeholder."""
    async with db.transaction() as s:
        await s.execute(
            update(m.Customer).where(m.Customer.user_id == user_id).values(email=deleted_email(user_id))
        )
