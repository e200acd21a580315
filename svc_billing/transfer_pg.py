"""A wallet transfer on PostgreSQL in one statement: a data-modifying CTE that changes the
balance only while it stays >= 0, inserts the transaction row (whose unique idempotency key is
the idempotency record) and both ledger legs, in one round trip and one implicit transaction.

Why it keeps every guarantee of the three-statement path:
- the conditional UPDATE takes the wallet's row lock and re-checks `balance + x >= 0` on the
  newest version, so concurrent debits queue and none goes below zero;
- the row and the legs are inserted from the UPDATE's output, so with no row updated (overdraft
  or no wallet yet) nothing at all is written;
- a repeated idempotency key violates the unique constraint, which aborts the whole statement,
  the balance change included: the caller reads the first transaction instead.

It runs on the asyncpg connection under a pooled SQLAlchemy one (autocommit, a prepared statement
asyncpg caches per connection): SQLAlchemy's layer cost about as much as the statement on a
loaded machine. Its time is observed in `db_query_seconds` like every other statement.
"""

from __future__ import annotations

import re
from datetime import datetime

from asyncpg.exceptions import UniqueViolationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from core import metrics
from svc_billing.models import LedgerEntry, Wallet, WalletTransaction

_NAMED = f"""
WITH moved AS (
    UPDATE {Wallet.__table__.fullname}
       SET balance_minor = balance_minor + CAST(:signed AS BIGINT)
     WHERE user_id = CAST(:user_id AS VARCHAR) AND currency = CAST(:currency AS VARCHAR)
       AND balance_minor + CAST(:signed AS BIGINT) >= 0
 RETURNING balance_minor
), txn AS (
    INSERT INTO {WalletTransaction.__table__.fullname}
           (id, user_id, type, status, amount_minor, currency, balance_after_minor, reference,
            description, idempotency_key, created_at, completed_at)
    SELECT CAST(:id AS VARCHAR), CAST(:user_id AS VARCHAR), CAST(:kind AS VARCHAR),
           CAST(:status AS VARCHAR), CAST(:signed AS BIGINT), CAST(:currency AS VARCHAR),
           moved.balance_minor, CAST(:reference AS VARCHAR), CAST(:description AS VARCHAR),
           CAST(:key AS VARCHAR), CAST(:now AS TIMESTAMPTZ), CAST(:now AS TIMESTAMPTZ)
      FROM moved
 RETURNING id
), legs AS (
    INSERT INTO {LedgerEntry.__table__.fullname} (transaction_id, account, amount_minor, currency, created_at)
    SELECT txn.id, leg.account, leg.amount, CAST(:currency AS VARCHAR), CAST(:now AS TIMESTAMPTZ)
      FROM txn
     CROSS JOIN (VALUES (CAST(:wallet_account AS VARCHAR), CAST(:signed AS BIGINT)),
                        (CAST(:counter_account AS VARCHAR), -CAST(:signed AS BIGINT))) AS leg(account, amount)
)
SELECT balance_minor FROM moved
"""
_PARAMS: list[str] = []


def _positional(match: re.Match[str]) -> str:
    name = match.group(1)
    if name not in _PARAMS:
        _PARAMS.append(name)
    return f"${_PARAMS.index(name) + 1}"


STATEMENT = re.sub(r"(?<![:\w]):([a-z_]+)", _positional, _NAMED)  # asyncpg numbers its parameters


async def post_transfer(
    engine: AsyncEngine,
    *,
    transaction_id: str,
    user_id: str,
    kind: str,
    status: str,
    signed_minor: int,
    currency: str,
    reference: str,
    description: str,
    idempotency_key: str,
    wallet_account: str,
    counter_account: str,
    now: datetime,
) -> int | None:
    """The balance after the transfer, or None when no wallet row allowed it (an overdraft, or no
    wallet yet): then nothing was written. Raises IntegrityError on a repeated idempotency key."""
    params = {
        "id": transaction_id,
        "user_id": user_id,
        "kind": kind,
        "status": status,
        "signed": signed_minor,
        "currency": currency,
        "reference": reference,
        "description": description,
        "key": idempotency_key,
        "wallet_account": wallet_account,
        "counter_account": counter_account,
        "now": now,
    }
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        try:
            with metrics.timed(metrics.DB_QUERY, "other"):
                balance = await driver.fetchval(STATEMENT, *(params[name] for name in _PARAMS))
        except UniqueViolationError as e:
            raise IntegrityError(STATEMENT, None, e) from e
    return None if balance is None else int(balance)
