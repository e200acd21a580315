"""svc_billing's tables, in the `financial` schema.

The ledger is append-only: `ledger_entries` rows are inserted and never updated or deleted.
`wallets.balance_minor` is the running sum of the wallet account's entries, kept in the same
transaction as the entries so a conditional UPDATE can refuse an overdraft atomically.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UtcDateTime, make_base
from core.outbox import outbox_table

SCHEMA = "financial"
Base: Any = make_base(SCHEMA)
OUTBOX = outbox_table(Base.metadata)
Id = BigInteger().with_variant(Integer, "sqlite")


class Wallet(Base):
    """A user's wallet in one currency; balance_minor is never negative."""

    __tablename__ = "wallets"
    __table_args__ = (
        UniqueConstraint("user_id", "currency", name="uq_wallets_user_id_currency"),
        CheckConstraint("balance_minor >= 0", name="balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    balance_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WalletTransaction(Base):
    """One movement of a wallet; completed ones have a balanced pair of ledger entries."""

    __tablename__ = "wallet_transactions"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_wallet_transactions_idempotency_key"),
        Index("ix_wallet_transactions_user_id_created_at", "user_id", "created_at"),
        Index("ix_wallet_transactions_payment_intent_id", "payment_intent_id"),
    )

    seq: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)  # the order of posting
    id: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))  # deposit, investment_deposit, ... (see wallet.TYPES)
    status: Mapped[str] = mapped_column(String(16))  # pending, completed, failed, reversed
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # signed: + credits the wallet
    currency: Mapped[str] = mapped_column(String(3))
    balance_after_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reference: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(String(255))
    idempotency_key: Mapped[str] = mapped_column(String(80))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    client_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class LedgerEntry(Base):
    """One leg of a posting: `amount_minor` on `account`; every transaction's legs sum to zero."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_account", "account"),
        Index("ix_ledger_entries_transaction_id", "transaction_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    transaction_id: Mapped[str] = mapped_column(String(36))
    account: Mapped[str] = mapped_column(String(160))  # wallet:{user}:{ccy}, stripe:clearing:{ccy}, ...
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Customer(Base):
    """The Stripe customer of a user, created once and reused."""

    __tablename__ = "customers"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CheckoutSession(Base):
    """A Stripe Checkout Session we opened; `status` open until completed or expired."""

    __tablename__ = "checkout_sessions"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_checkout_sessions_idempotency_key"),
        Index("ix_checkout_sessions_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # cs_...
    user_id: Mapped[str] = mapped_column(String(64))
    plan_id: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(16))  # open, complete, expired
    idempotency_key: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Subscription(Base):
    """A user's subscription, mirroring Stripe's; `synced_at` is the Stripe time of the state held."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_user_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    stripe_subscription_id: Mapped[str] = mapped_column(String(255), unique=True)
    plan_id: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # incomplete, active, past_due, canceled
    current_period_start: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    current_period_end: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    canceled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StripeEvent(Base):
    """A webhook event received: stored with its payload, `applied_at` set in the transaction
    that applied it. A stored event without `applied_at` is applied on the next delivery or poll."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # evt_...
    type: Mapped[str] = mapped_column(String(128))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    stripe_created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)


class PlanChange(Base):
    """A plan change to push to svc_auth (SetPlan) and the cache; staged in the transaction that
    changed the subscription, delivered after it, retried until delivered."""

    __tablename__ = "plan_changes"
    __table_args__ = (Index("ix_plan_changes_delivered_at", "delivered_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(64))
    plan: Mapped[str] = mapped_column(String(16))
    mail: Mapped[str | None] = mapped_column(String(32), nullable=True)  # accounts.MAILS key
    mail_plan: Mapped[str] = mapped_column(String(16), default="")  # the plan the mail is about
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class StripeTwinState(Base):
    """The Stripe twin's objects (runs without a Stripe key), one row that every billing replica's
    twin reads and writes under a lock: a checkout made through one replica is paid through any.
    `version` grows with every write, so a twin reloads `state` only when another one changed it."""

    __tablename__ = "stripe_twin_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(Text)  # JSON: objects, promotion codes, idempotent replies
