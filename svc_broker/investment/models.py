"""Investment tables (`investment` schema) and the execution log (`broker_integration` schema)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import ExactDecimal, UtcDateTime, make_base
from core.outbox import outbox_table

Base: Any = make_base("investment")
Integration: Any = make_base("broker_integration")
OUTBOX = outbox_table(Base.metadata)
Id = BigInteger().with_variant(Integer, "sqlite")


class KycProfile(Base):
    """A user's identity check: pending until an admin or compliance reviewer decides."""

    __tablename__ = "kyc_profiles"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    document_number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))  # pending, approved, rejected
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class KycAudit(Base):
    """Every KYC submission and review, never updated."""

    __tablename__ = "kyc_audit"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(10))  # submitted, approved, rejected
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class InvestmentAccountRow(Base):
    """A user's money in one product. `deposited - withdrawn` is what the transfers moved in; the
    venue's realized and open PnL come on top of it."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("user_id", "idempotency_key", name="uq_investment_accounts_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    product_id: Mapped[str] = mapped_column(String(32), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # pending_deposit, active, paused, closed, failed
    step: Mapped[str] = mapped_column(String(16))  # created, funded, agent, venue, done, refunded
    currency: Mapped[str] = mapped_column(String(3))
    initial_minor: Mapped[int] = mapped_column(BigInteger)
    deposited_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    withdrawn_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    venue: Mapped[str] = mapped_column(String(16))
    venue_account: Mapped[str | None] = mapped_column(String(64), nullable=True)
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failure: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TransferRow(Base):
    """A deposit or withdrawal; `wallet_key` is the idempotency key given to billing."""

    __tablename__ = "transfers"
    __table_args__ = (
        UniqueConstraint("account_id", "kind", "idempotency_key", name="uq_investment_transfers"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))  # deposit, withdrawal, refund
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    wallet_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10))  # pending, completed, failed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AgentDecision(Base):
    """What a trading agent decided on one signal for one account, taken or refused, and why."""

    __tablename__ = "agent_decisions"
    __table_args__ = (
        UniqueConstraint("account_id", "signal_id", name="uq_agent_decisions_signal"),
        Index("ix_agent_decisions_account", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(36))
    agent_id: Mapped[str] = mapped_column(String(64))
    signal_id: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(String(10))  # taken, refused, failed
    reason: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Snapshot(Base):
    """An account's value at the end of one day."""

    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("account_id", "taken_at", name="uq_investment_snapshots"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(36))
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    balance_minor: Mapped[int] = mapped_column(BigInteger)
    equity_minor: Mapped[int] = mapped_column(BigInteger)
    deposits_minor: Mapped[int] = mapped_column(BigInteger)
    withdrawals_minor: Mapped[int] = mapped_column(BigInteger)
    pnl_minor: Mapped[int] = mapped_column(BigInteger)
    peak_equity_minor: Mapped[int] = mapped_column(BigInteger)
    drawdown_percent: Mapped[Decimal] = mapped_column(ExactDecimal)
    return_percent: Mapped[Decimal] = mapped_column(ExactDecimal)  # time-weighted, since opening


class Execution(Integration):
    """One agent order at a venue: requested against filled price, spread, volume, PnL when closed."""

    __tablename__ = "executions"
    __table_args__ = (UniqueConstraint("venue", "broker_account", "ticket", name="uq_executions_ticket"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    signal_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    decision_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    venue: Mapped[str] = mapped_column(String(16))
    broker_account: Mapped[str] = mapped_column(String(64))
    ticket: Mapped[str] = mapped_column(String(64))  # the venue's order id
    position_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(4))
    volume: Mapped[Decimal] = mapped_column(ExactDecimal)
    requested_price: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    filled_price: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    spread: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    pnl_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    source: Mapped[str] = mapped_column(String(12))  # agent, webhook, reconcile
    executed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
