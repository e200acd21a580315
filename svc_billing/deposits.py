"""Wallet deposits through Stripe PaymentIntents, credited only when Stripe says they are paid,
and refunds of them. Both post through the wallet's ledger in the event's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import AlreadyExists
from svc_billing import ledger, movements
from svc_billing.adapters.stripe.gateway import PaymentIntentInfo, StripeGateway
from svc_billing.models import WalletTransaction
from svc_billing.money import check_amount
from svc_billing.subscriptions import Subscriptions
from svc_billing.wallet import COMPLETED, DEPOSIT, FAILED, PENDING, REFUND, InsufficientFunds, Wallets


@dataclass(frozen=True)
class Deposit:
    transaction: WalletTransaction
    intent: PaymentIntentInfo


class Deposits:
    def __init__(self, wallets: Wallets, stripe: StripeGateway, subscriptions: Subscriptions) -> None:
        self.wallets = wallets
        self.stripe = stripe
        self.subscriptions = subscriptions

    async def start(
        self, user_id: str, email: str, minor: int, currency: str, method: str, idempotency_key: str
    ) -> Deposit:
        """Open a PaymentIntent and a pending deposit; a retry with the same key returns them."""
        w = self.wallets
        amount = check_amount(
            "amount", minor, currency, wallet_currency=w.currency, limit=w.settings.max_deposit_minor
        )
        key = f"deposit:{idempotency_key}"
        earlier = await self._by_key(user_id, key)
        if earlier is not None:
            if earlier.amount_minor != amount.minor:
                raise AlreadyExists(
                    "this idempotency key was used for another deposit", reason="IDEMPOTENCY_KEY_REUSED"
                )
            return Deposit(
                earlier, await self.stripe.retrieve_payment_intent(earlier.payment_intent_id or "")
            )
        transaction_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{user_id}/{key}"))
        customer_id = await self.subscriptions.customer_of(user_id, email)
        intent = await self.stripe.create_payment_intent(
            amount.minor,
            amount.currency,
            customer_id,
            {"user_id": user_id, "transaction_id": transaction_id, "method": method},
            f"deposit-{user_id}-{idempotency_key}",
        )
        async with w.db.transaction() as s:
            txn = await self._pending(s, user_id, transaction_id, intent, key)
        return Deposit(txn, intent)

    async def _pending(
        self, s: AsyncSession, user_id: str, transaction_id: str, intent: PaymentIntentInfo, key: str
    ) -> WalletTransaction:
        txn = await s.scalar(select(WalletTransaction).where(WalletTransaction.id == transaction_id))
        if txn is None:
            txn = WalletTransaction(
                id=transaction_id,
                user_id=user_id,
                type=DEPOSIT,
                status=PENDING,
                amount_minor=intent.amount_minor,
                currency=intent.currency,
                balance_after_minor=None,
                reference=intent.id,
                description="Card deposit",
                idempotency_key=key,
                payment_intent_id=intent.id,
                client_secret=intent.client_secret,
                created_at=self.wallets.clock.now(),
                completed_at=None,
            )
            s.add(txn)
            await s.flush()
        return txn

    async def settle(self, s: AsyncSession, intent: PaymentIntentInfo) -> str:
        """Apply Stripe's state of a deposit's PaymentIntent in the caller's transaction:
        succeeded credits the wallet once, canceled fails the deposit. Returns the outcome."""
        user_id = intent.metadata.get("user_id", "")
        transaction_id = intent.metadata.get("transaction_id", "")
        if not user_id or not transaction_id:
            return "ignored"  # not a wallet deposit
        txn = await s.scalar(
            select(WalletTransaction).where(WalletTransaction.id == transaction_id).with_for_update()
        )
        if txn is None:  # the intent was made but the pending row never committed
            txn = await self._pending(s, user_id, transaction_id, intent, f"deposit:pi:{intent.id}")
        if txn.status != PENDING:
            return "ignored"
        now = self.wallets.clock.now()
        if intent.status == "succeeded":
            balance = await self.wallets.apply_to_balance(s, user_id, intent.amount_received_minor)
            txn.status, txn.completed_at = COMPLETED, now
            txn.amount_minor, txn.balance_after_minor = intent.amount_received_minor, balance
            await ledger.post(
                s,
                txn.id,
                [
                    (ledger.wallet_account(user_id), txn.amount_minor),
                    (ledger.STRIPE_CLEARING, -txn.amount_minor),
                ],
                txn.currency,
                now,
            )
            movements.record_on_commit(s, DEPOSIT, txn.amount_minor, txn.currency)
            return "applied"
        if intent.status == "canceled":
            txn.status, txn.completed_at = FAILED, now
            return "applied"
        return "ignored"

    async def refund(self, s: AsyncSession, intent_id: str, refunded_total_minor: int, charge_id: str) -> str:
        """Debit what Stripe refunded of a deposit beyond what was debited already. A wallet that
        no longer holds the money records a failed refund for support instead of going negative."""
        deposit = await s.scalar(
            select(WalletTransaction).where(
                WalletTransaction.payment_intent_id == intent_id, WalletTransaction.type == DEPOSIT
            )
        )
        if deposit is None or deposit.status != COMPLETED:
            return "ignored"
        done = await s.scalar(
            select(func.coalesce(func.sum(-WalletTransaction.amount_minor), 0)).where(
                WalletTransaction.payment_intent_id == intent_id,
                WalletTransaction.type == REFUND,
                WalletTransaction.status == COMPLETED,
            )
        )
        due = min(refunded_total_minor, deposit.amount_minor) - int(done or 0)
        if due <= 0:
            return "ignored"
        key = f"refund:{charge_id}:{refunded_total_minor}"
        try:
            async with s.begin_nested():
                await self.wallets.post(
                    s,
                    deposit.user_id,
                    REFUND,
                    -due,
                    ledger.STRIPE_CLEARING,
                    intent_id,
                    "Deposit refunded",
                    key,
                    payment_intent_id=intent_id,
                )
        except InsufficientFunds:
            now = self.wallets.clock.now()
            s.add(
                WalletTransaction(
                    id=str(uuid.uuid4()),
                    user_id=deposit.user_id,
                    type=REFUND,
                    status=FAILED,
                    amount_minor=-due,
                    currency=deposit.currency,
                    balance_after_minor=None,
                    reference=intent_id,
                    description="Refund larger than the balance: for support",
                    idempotency_key=key,
                    payment_intent_id=intent_id,
                    created_at=now,
                    completed_at=now,
                )
            )
        return "applied"

    async def _by_key(self, user_id: str, key: str) -> WalletTransaction | None:
        async with self.wallets.db.session() as s:
            return await s.scalar(
                select(WalletTransaction).where(
                    WalletTransaction.user_id == user_id, WalletTransaction.idempotency_key == key
                )
            )
