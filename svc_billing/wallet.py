"""The wallet: balances in integer minor units, every movement a balanced ledger posting.

A debit is one conditional UPDATE (`balance >= amount`) in the transaction that writes the
posting, so concurrent transfers can never take a wallet below zero on either database. A
retried request with the same idempotency key finds the first transaction and returns it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import AlreadyExists, FailedPrecondition
from svc_billing import ledger, movements
from svc_billing.config import BillingSettings
from svc_billing.models import Wallet, WalletTransaction
from svc_billing.money import Amount, check_amount
from svc_billing.transfer_pg import post_transfer

DEPOSIT, WITHDRAWAL = "deposit", "withdrawal"
INVESTMENT_DEPOSIT, INVESTMENT_WITHDRAWAL = "investment_deposit", "investment_withdrawal"
REFUND, ADJUSTMENT = "refund", "adjustment"
PENDING, COMPLETED, FAILED, REVERSED = "pending", "completed", "failed", "reversed"


@dataclass(frozen=True)
class WalletView:
    balance_minor: int
    pending_minor: int
    currency: str
    transactions: list[WalletTransaction]
    next_token: str


@dataclass(frozen=True)
class TransferResult:
    transaction: WalletTransaction
    balance_minor: int


class InsufficientFunds(FailedPrecondition):
    default_reason = "INSUFFICIENT_FUNDS"


class Wallets:
    """Reads and moves wallet money."""

    def __init__(
        self, db: Database, clock: Clock, settings: BillingSettings, *, one_statement: bool = True
    ) -> None:
        """`one_statement`: on PostgreSQL a transfer is one statement (svc_billing/transfer_pg.py);
        False keeps the transaction of three statements SQLite uses (the bench's baseline)."""
        self.db = db
        self.clock = clock
        self.settings = settings
        self._autocommit = (
            db.engine.execution_options(isolation_level="AUTOCOMMIT")
            if one_statement and not db.is_sqlite
            else None
        )

    @property
    def currency(self) -> str:
        return self.settings.currency

    async def view(self, user_id: str, page_size: int = 0, page_token: str = "") -> WalletView:
        size = page_size or self.settings.default_page_size
        offset = int(page_token) if page_token.isdigit() else 0
        async with self.db.session() as s:
            wallet = await s.scalar(
                select(Wallet).where(Wallet.user_id == user_id, Wallet.currency == self.currency)
            )
            rows = (
                await s.scalars(
                    select(WalletTransaction)
                    .where(WalletTransaction.user_id == user_id)
                    .order_by(WalletTransaction.seq.desc())
                    .offset(offset)
                    .limit(size + 1)
                )
            ).all()
            pending = await s.scalars(
                select(WalletTransaction.amount_minor).where(
                    WalletTransaction.user_id == user_id,
                    WalletTransaction.type == DEPOSIT,
                    WalletTransaction.status == PENDING,
                )
            )
            pending_minor = sum(pending.all())
        more = len(rows) > size
        return WalletView(
            balance_minor=wallet.balance_minor if wallet else 0,
            pending_minor=pending_minor,
            currency=self.currency,
            transactions=list(rows[:size]),
            next_token=str(offset + size) if more else "",
        )

    async def transfer(
        self, user_id: str, kind: str, minor: int, currency: str, reference: str, idempotency_key: str
    ) -> TransferResult:
        """Move money between the wallet and an investment account, once per idempotency key."""
        amount = check_amount(
            "amount", minor, currency, wallet_currency=self.currency, limit=self.settings.max_transfer_minor
        )
        key = f"transfer:{idempotency_key}"
        signed = -amount.minor if kind == INVESTMENT_DEPOSIT else amount.minor
        counter = ledger.investment_account(reference)
        description = "To investment account" if signed < 0 else "From investment account"
        # No lookup first: the key's unique constraint finds a retry, which then reads the first result.
        try:
            if self._autocommit is not None:
                txn = await self._post_one_statement(
                    user_id, kind, signed, counter, reference, description, key
                )
            else:
                async with self.db.transaction() as s:
                    txn = await self.post(s, user_id, kind, signed, counter, reference, description, key)
        except (IntegrityError, InsufficientFunds):
            first = await self._find(user_id, key)
            if first is None:
                raise
            return await self._replay(first, kind, amount, reference)
        return TransferResult(txn, txn.balance_after_minor or 0)

    async def _post_one_statement(
        self,
        user_id: str,
        kind: str,
        signed_minor: int,
        counter_account: str,
        reference: str,
        description: str,
        idempotency_key: str,
    ) -> WalletTransaction:
        """`post()` for a transfer on PostgreSQL, as one statement (svc_billing/transfer_pg.py)."""
        assert self._autocommit is not None
        now = self.clock.now()
        txn = self._completed(user_id, kind, signed_minor, reference, description, idempotency_key, now)
        statement = partial(
            post_transfer,
            self._autocommit,
            transaction_id=txn.id,
            user_id=user_id,
            kind=kind,
            status=COMPLETED,
            signed_minor=signed_minor,
            currency=self.currency,
            reference=reference,
            description=description,
            idempotency_key=idempotency_key,
            wallet_account=ledger.wallet_account(user_id),
            counter_account=counter_account,
            now=now,
        )
        balance = await statement()
        if balance is None and signed_minor > 0:  # a first credit: the wallet row does not exist yet
            async with self.db.transaction() as s:
                await self._ensure_wallet(s, user_id)
            balance = await statement()
        if balance is None:
            raise InsufficientFunds(
                "the wallet balance is lower than the amount",
                metadata={"requested_minor": str(-signed_minor)},
            )
        txn.balance_after_minor = balance
        movements.record(kind, signed_minor, self.currency)
        return txn

    def _completed(
        self,
        user_id: str,
        kind: str,
        signed_minor: int,
        reference: str,
        description: str,
        idempotency_key: str,
        now: datetime,
    ) -> WalletTransaction:
        """The record of a movement completed `now` (its balance after is set by who applies it)."""
        return WalletTransaction(
            id=str(uuid.uuid4()),
            user_id=user_id,
            type=kind,
            status=COMPLETED,
            amount_minor=signed_minor,
            currency=self.currency,
            reference=reference,
            description=description,
            idempotency_key=idempotency_key,
            created_at=now,
            completed_at=now,
        )

    async def post(
        self,
        s: AsyncSession,
        user_id: str,
        kind: str,
        signed_minor: int,
        counter_account: str,
        reference: str,
        description: str,
        idempotency_key: str,
        *,
        payment_intent_id: str | None = None,
    ) -> WalletTransaction:
        """Post a completed movement in the caller's transaction: the balance change (refused
        below zero) and the two legs. Raises InsufficientFunds and writes nothing on overdraft."""
        now = self.clock.now()
        balance = await self.apply_to_balance(s, user_id, signed_minor)
        txn = self._completed(user_id, kind, signed_minor, reference, description, idempotency_key, now)
        txn.balance_after_minor = balance
        txn.payment_intent_id = payment_intent_id
        values = {c.key: getattr(txn, c.key) for c in WalletTransaction.__table__.columns if c.key != "seq"}
        await s.execute(insert(WalletTransaction).values(**values))
        await ledger.post(
            s,
            txn.id,
            [(ledger.wallet_account(user_id), signed_minor), (counter_account, -signed_minor)],
            self.currency,
            now,
        )
        movements.record_on_commit(s, kind, signed_minor, self.currency)
        return txn

    async def apply_to_balance(self, s: AsyncSession, user_id: str, signed_minor: int) -> int:
        """Change the balance in one conditional UPDATE (a debit only while it stays >= 0)."""
        where = [Wallet.user_id == user_id, Wallet.currency == self.currency]
        if signed_minor < 0:
            where.append(Wallet.balance_minor >= -signed_minor)
        change = update(Wallet).where(*where).values(balance_minor=Wallet.balance_minor + signed_minor)
        balance = await s.scalar(change.returning(Wallet.balance_minor))
        if balance is None and signed_minor > 0:  # a first credit: the wallet row does not exist yet
            await self._ensure_wallet(s, user_id)
            balance = await s.scalar(change.returning(Wallet.balance_minor))
        if balance is None:
            raise InsufficientFunds(
                "the wallet balance is lower than the amount",
                metadata={"requested_minor": str(-signed_minor)},
            )
        return int(balance)

    async def _ensure_wallet(self, s: AsyncSession, user_id: str) -> None:
        values = {
            "user_id": user_id,
            "currency": self.currency,
            "balance_minor": 0,
            "created_at": self.clock.now(),
        }
        dialect_insert = sqlite_insert if self.db.is_sqlite else pg_insert
        await s.execute(dialect_insert(Wallet).values(**values).on_conflict_do_nothing())

    async def _find(self, user_id: str, key: str) -> WalletTransaction | None:
        async with self.db.session() as s:
            return await s.scalar(
                select(WalletTransaction).where(
                    WalletTransaction.user_id == user_id, WalletTransaction.idempotency_key == key
                )
            )

    async def _replay(
        self, first: WalletTransaction, kind: str, amount: Amount, reference: str
    ) -> TransferResult:
        same = first.type == kind and abs(first.amount_minor) == amount.minor and first.reference == reference
        if not same:
            raise AlreadyExists(
                "this idempotency key was used for a different transfer", reason="IDEMPOTENCY_KEY_REUSED"
            )
        return TransferResult(first, first.balance_after_minor or 0)
