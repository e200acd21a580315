"""The `ml` schema: registered model versions, the stored entry signals and their outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UtcDateTime, make_base
from core.outbox import outbox_table

Base: Any = make_base("ml")

STATUS_CANDIDATE = "candidate"
STATUS_CHAMPION = "champion"
STATUS_RETIRED = "retired"


class ModelVersionRow(Base):
    """One registered model version; its ONNX bundle is the file named by artifact_sha256."""

    __tablename__ = "model_versions"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        Index("ix_model_versions_name_status", "name", "status"),
        # at most one champion per name, whatever races (promotions on two replicas)
        Index(
            "uq_model_versions_one_champion",
            "name",
            unique=True,
            postgresql_where=text("status = 'champion'"),
            sqlite_where=text("status = 'champion'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    symbol: Mapped[str] = mapped_column(String(20))
    timeframe: Mapped[str] = mapped_column(String(8))
    horizon: Mapped[int] = mapped_column(Integer)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    features: Mapped[list[str]] = mapped_column(JSON)
    outputs: Mapped[list[str]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    train_start: Mapped[datetime] = mapped_column(UtcDateTime)
    train_end: Mapped[datetime] = mapped_column(UtcDateTime)
    test_start: Mapped[datetime] = mapped_column(UtcDateTime)
    test_end: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    promoted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class EntrySignalRow(Base):
    """A signal the scheduler (or a caller) stored; prices are model outputs, so doubles."""

    __tablename__ = "entry_signals"
    __table_args__ = (Index("ix_entry_signals_symbol_created", "symbol", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(20))
    timeframe: Mapped[str] = mapped_column(String(8))
    horizon: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(8))
    entry: Mapped[float] = mapped_column(Float(precision=53))
    sl: Mapped[float] = mapped_column(Float(precision=53))
    tp: Mapped[float] = mapped_column(Float(precision=53))
    rr_ratio: Mapped[float] = mapped_column(Float(precision=53))
    prob_tp_first: Mapped[float] = mapped_column(Float(precision=53))
    confidence: Mapped[float] = mapped_column(Float(precision=53))
    amd_phase: Mapped[int] = mapped_column(Integer)
    strategy: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    model_name: Mapped[str] = mapped_column(String(80))
    model_version: Mapped[int] = mapped_column(Integer)
    bar_time: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime] = mapped_column(UtcDateTime)
    expected_r: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    """the model's promise for this trade (expected R after costs) when it was emitted."""
    experimental: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class SignalOutcomeRow(Base):
    """How a stored signal ended, resolved against the bars after it (the live scorecard)."""

    __tablename__ = "signal_outcomes"
    __table_args__ = (Index("ix_signal_outcomes_model", "model_name", "strategy"),)

    signal_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(20))
    model_name: Mapped[str] = mapped_column(String(80))
    model_version: Mapped[int] = mapped_column(Integer)
    strategy: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(8))  # "tp", "sl" or "expiry"
    exit_time: Mapped[datetime] = mapped_column(UtcDateTime)
    exit_price: Mapped[float] = mapped_column(Float(precision=53))
    cost_r: Mapped[float] = mapped_column(Float(precision=53))
    r: Mapped[float] = mapped_column(Float(precision=53))
    expected_r: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    resolved_at: Mapped[datetime] = mapped_column(UtcDateTime)


OUTBOX = outbox_table(Base.metadata)
"""events committed with the signals they announce (core.outbox), relayed to the bus."""
