"""Tables of the market_data schema.

Bar timestamps are BIGINT seconds since the epoch (UTC): integer comparisons and an integer
primary key are equally fast on SQLite and PostgreSQL, and need no timezone conversion. The bars'
primary key (symbol_id, resolution_s, ts) is the index every candle query scans as one range; on
SQLite the table is WITHOUT ROWID so the rows themselves are stored in that order.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import ExactDecimal, UtcDateTime, make_base

SCHEMA = "market_data"
Base: Any = make_base(SCHEMA)


class Symbol(Base):
    """An instrument: its codes, contract terms and sessions kind."""

    __tablename__ = "symbols"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    symbol: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    asset_type: Mapped[str] = mapped_column(String(16))
    provider_ticker: Mapped[str] = mapped_column(String(32))
    pip_size: Mapped[Decimal] = mapped_column(ExactDecimal)
    price_precision: Mapped[int] = mapped_column(Integer)
    contract_size: Mapped[Decimal] = mapped_column(ExactDecimal)
    min_lot: Mapped[Decimal] = mapped_column(ExactDecimal)
    max_lot: Mapped[Decimal] = mapped_column(ExactDecimal)
    lot_step: Mapped[Decimal] = mapped_column(ExactDecimal)
    quote_currency: Mapped[str] = mapped_column(String(8))
    hours: Mapped[str] = mapped_column(String(16))


class Bar(Base):
    """One OHLCV bar at the resolution it was stored at (300 s for provider bars)."""

    __tablename__ = "ohlcv"
    __table_args__ = {"sqlite_with_rowid": False}

    symbol_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.symbols.id"), primary_key=True)
    resolution_s: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    open: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    low: Mapped[float] = mapped_column(Float)
    close: Mapped[float] = mapped_column(Float)
    volume: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))


class Quote(Base):
    """A recorded bid/ask, the input of spread statistics when there are any."""

    __tablename__ = "quotes"
    __table_args__ = {"sqlite_with_rowid": False}

    symbol_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.symbols.id"), primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bid: Mapped[float] = mapped_column(Float)
    ask: Mapped[float] = mapped_column(Float)


class SyncJob(Base):
    """One provider sync run of one ticker."""

    __tablename__ = "sync_jobs"
    __table_args__ = (
        # At most one queued or running job per ticker, enforced by the database itself.
        Index(
            "uq_sync_jobs_active_symbol",
            "symbol_id",
            unique=True,
            postgresql_where=text("state IN ('queued', 'running')"),
            sqlite_where=text("state IN ('queued', 'running')"),
        ),
        Index("ix_sync_jobs_symbol_created", "symbol_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    symbol_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.symbols.id"))
    state: Mapped[str] = mapped_column(String(16))
    from_ts: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    records: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Watchlist(Base):
    """A user's named list of symbols."""

    __tablename__ = "watchlists"
    __table_args__ = (
        UniqueConstraint("user_id", "name", name="uq_watchlists_user_name"),
        Index("ix_watchlists_user_position", "user_id", "position"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WatchlistItem(Base):
    """A symbol on a watchlist at a position."""

    __tablename__ = "watchlist_items"

    watchlist_id: Mapped[str] = mapped_column(
        ForeignKey(f"{SCHEMA}.watchlists.id", ondelete="CASCADE"), primary_key=True
    )
    symbol_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.symbols.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class Series(Base):
    """What is stored per symbol and resolution: range, count and source (kept beside the bars)."""

    __tablename__ = "series"

    symbol_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.symbols.id"), primary_key=True)
    resolution_s: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_ts: Mapped[int] = mapped_column(BigInteger)
    last_ts: Mapped[int] = mapped_column(BigInteger)
    bar_count: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(16))
    last_sync_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class RollupBar(Base):
    """A stored coarse candle: resample(base bars of ``base_s``, ``tf_s``, ``anchor_s``) for one bucket.

    Written in the same transaction as the base bars it comes from (svc_market/rollups.py), so a
    1,000-candle query at 1 h, 4 h or 1 d reads 1,000 rows instead of every base bar.
    """

    __tablename__ = "ohlcv_rollup"
    __table_args__ = {"sqlite_with_rowid": False}

    symbol_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.symbols.id"), primary_key=True)
    base_s: Mapped[int] = mapped_column(Integer, primary_key=True)
    tf_s: Mapped[int] = mapped_column(Integer, primary_key=True)
    anchor_s: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    open: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    low: Mapped[float] = mapped_column(Float)
    close: Mapped[float] = mapped_column(Float)
    volume: Mapped[float] = mapped_column(Float)


class RollupSeries(Base):
    """A roll-up that is complete for its base series and kept up to date by every write of it."""

    __tablename__ = "rollup_series"

    symbol_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.symbols.id"), primary_key=True)
    base_s: Mapped[int] = mapped_column(Integer, primary_key=True)
    tf_s: Mapped[int] = mapped_column(Integer, primary_key=True)
    anchor_s: Mapped[int] = mapped_column(Integer, primary_key=True)
