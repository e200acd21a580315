"""svc_broker's paper-trading tables, in the `trading` schema."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import ExactDecimal, UtcDateTime, make_base
from core.outbox import outbox_table

Base: Any = make_base("trading")  # a class made at run time; Any keeps mypy quiet
OUTBOX = outbox_table(Base.metadata)
Id = BigInteger().with_variant(Integer, "sqlite")  # an autoincrementing key on both databases


class PaperAccount(Base):
    """A user's paper account: cash in minor units of `currency`."""

    __tablename__ = "paper_accounts"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(64), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    balance_minor: Mapped[int] = mapped_column(BigInteger)
    initial_balance_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reset_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PaperOrder(Base):
    """An order; pending ones wait for the price stream."""

    __tablename__ = "paper_orders"
    __table_args__ = (
        UniqueConstraint("account_id", "client_order_id", name="uq_paper_orders_client_order_id"),
        Index("ix_paper_orders_account_id_id", "account_id", "id"),
        Index("ix_paper_orders_status_symbol", "status", "symbol"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("trading.paper_accounts.id", ondelete="CASCADE"))
    client_order_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(4))  # buy, sell
    type: Mapped[str] = mapped_column(String(8))  # market, limit, stop
    time_in_force: Mapped[str] = mapped_column(String(3))  # gtc, ioc, day
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal)
    limit_price: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    stop_price: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    stop_loss: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    take_profit: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    status: Mapped[str] = mapped_column(String(10))  # pending, filled, cancelled, rejected, expired
    fill_price: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    reject_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    filled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PaperPosition(Base):
    """A net position in one symbol; at most one open per account and symbol.

    `cost` is the exact sum of price times quantity of the open size, so the average price and
    the PnL of a partial close never accumulate rounding.
    """

    __tablename__ = "paper_positions"
    __table_args__ = (
        Index(
            "uq_paper_positions_open_symbol",
            "account_id",
            "symbol",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        Index("ix_paper_positions_account_id_id", "account_id", "id"),
        Index("ix_paper_positions_status_symbol", "status", "symbol"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("trading.paper_accounts.id", ondelete="CASCADE"))
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(5))  # long, short
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal)
    cost: Mapped[Decimal] = mapped_column(ExactDecimal)
    entry_price: Mapped[Decimal] = mapped_column(ExactDecimal)  # average of the open size
    realized_pnl_minor: Mapped[int] = mapped_column(BigInteger)
    # the realized PnL in the account currency before rounding; fills book its rounded changes
    realized_pnl_exact: Mapped[Decimal] = mapped_column(ExactDecimal, server_default="0")
    margin_minor: Mapped[int] = mapped_column(BigInteger)
    stop_loss: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    take_profit: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    status: Mapped[str] = mapped_column(String(6))  # open, closed
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PaperTrade(Base):
    """A fill: an order executing, or a position closed by the user, SL, TP or stop-out."""

    __tablename__ = "paper_trades"
    __table_args__ = (Index("ix_paper_trades_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("trading.paper_accounts.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("trading.paper_orders.id"), nullable=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("trading.paper_positions.id"))
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal)
    price: Mapped[Decimal] = mapped_column(ExactDecimal)
    realized_pnl_minor: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(12))  # order, stop_loss, take_profit, close, stop_out
    executed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # the loss of this fill beyond the account's balance, written off to the house (never negative)
    written_off_minor: Mapped[int] = mapped_column(BigInteger, server_default="0", default=0)

    order: Mapped[PaperOrder | None] = relationship(lazy="raise")
    position: Mapped[PaperPosition] = relationship(lazy="raise")


class LedgerEntry(Base):
    """One leg of a cash movement. The entries of a journal sum to zero; entries are only ever
    inserted. `book` is "cash" for a paper account's cash (then `account_id` is set) or one of
    the house books that every movement has as its other side."""

    __tablename__ = "paper_ledger_entries"
    __table_args__ = (
        Index("ix_paper_ledger_entries_account_id", "account_id", "id"),
        Index("ix_paper_ledger_entries_journal", "journal"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    journal: Mapped[str] = mapped_column(String(32))
    book: Mapped[str] = mapped_column(String(24))
    account_id: Mapped[int | None] = mapped_column(Id, nullable=True)  # no FK: entries outlive a reset
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # signed: + credits the book
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(12))  # funding, fill, fee, swap, write_off, reset
    trade_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
