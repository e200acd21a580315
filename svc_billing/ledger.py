"""The double-entry ledger: every posting is a set of legs that sum to zero, written once.

Accounts are names: `wallet:{user_id}` (what a user holds), `stripe:clearing` (money on its way
in from or back out to Stripe), `investment:{reference}` (an investment account's side of a
transfer). A wallet's balance is the sum of its account's legs; `wallets.balance_minor` keeps that
sum and is checked against it in tests. Entries are never updated or deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from svc_billing.models import LedgerEntry

STRIPE_CLEARING = "stripe:clearing"


def wallet_account(user_id: str) -> str:
    return f"wallet:{user_id}"


def investment_account(reference: str) -> str:
    return f"investment:{reference}"


class UnbalancedPosting(ValueError):
    """Legs that do not sum to zero: a bug, never written."""


async def post(
    session: AsyncSession,
    transaction_id: str,
    legs: Sequence[tuple[str, int]],
    currency: str,
    at: datetime,
) -> None:
    """Write the legs of one transaction in the caller's DB transaction."""
    if len(legs) < 2 or sum(amount for _, amount in legs) != 0 or any(a == 0 for _, a in legs):
        raise UnbalancedPosting(f"legs of {transaction_id} do not balance: {legs}")
    await session.execute(
        insert(LedgerEntry).values(
            [
                {
                    "transaction_id": transaction_id,
                    "account": account,
                    "amount_minor": amount,
                    "currency": currency,
                    "created_at": at,
                }
                for account, amount in legs
            ]
        )
    )


async def account_balance(session: AsyncSession, account: str, currency: str) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.account == account, LedgerEntry.currency == currency
        )
    )
    return int(total or 0)


async def total(session: AsyncSession) -> int:
    """The sum of every entry: zero while money is neither created nor lost."""
    return int(await session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))) or 0)
