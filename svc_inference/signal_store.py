"""Stored entry signals (`ml.entry_signals`) and their `ml_signal_new` events, in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from trading.events.v1 import events_payloads_pb2 as ev

from core import outbox
from core.clock import Clock
from core.db import Database
from core.events import new_event, signals_channel
from svc_inference.models import OUTBOX, EntrySignalRow, SignalOutcomeRow
from svc_inference.signals import LONG, SHORT, Signal

PRODUCER = "inference"
_AMD_NAMES = {1: "accumulation", 2: "manipulation", 3: "distribution"}
_DIRECTIONS = {LONG: ev.SIGNAL_DIRECTION_LONG, SHORT: ev.SIGNAL_DIRECTION_SHORT}


def signal_event(signal: Signal) -> ev.MlSignalNew:
    d, p = signal.decision, signal.prediction
    msg = ev.MlSignalNew(
        signal_id=signal.id,
        symbol=p.symbol,
        signal=_DIRECTIONS.get(d.direction, ev.SIGNAL_DIRECTION_NONE),
        entry=d.entry,
        sl=d.sl,
        tp=d.tp,
        rr=d.rr_ratio,
        prob_tp_first=d.prob_tp_first,
        confidence=d.confidence,
        timeframe=p.timeframe,
        horizon_bars=p.horizon,
        amd_phase=_AMD_NAMES.get(p.amd_phase, ""),
        model_version=f"{p.model_name}:v{p.model_version}",
        experimental=p.experimental,
    )
    msg.generated_at.FromDatetime(signal.created_at)
    msg.valid_until.FromDatetime(signal.valid_until)
    return msg


@dataclass(frozen=True)
class StoredSignal:
    """A signal as stored in `ml.entry_signals`, as plain data."""

    id: str
    symbol: str
    timeframe: str
    horizon: int
    direction: str
    entry: float
    sl: float
    tp: float
    rr_ratio: float
    prob_tp_first: float
    confidence: float
    amd_phase: int
    strategy: str
    reason: str
    model_name: str
    model_version: int
    bar_time: datetime
    created_at: datetime
    valid_until: datetime
    expected_r: float | None
    experimental: bool
    outcome: str = ""
    """"tp", "sl" or "expiry" once the scorecard resolved it; "" before."""
    outcome_r: float | None = None


_ROW_FIELDS = [f.name for f in fields(StoredSignal) if f.name not in ("outcome", "outcome_r")]


def stored(row: EntrySignalRow, outcome: str | None = None, outcome_r: float | None = None) -> StoredSignal:
    return StoredSignal(
        **{name: getattr(row, name) for name in _ROW_FIELDS}, outcome=outcome or "", outcome_r=outcome_r
    )


async def _insert(s: AsyncSession, signal: Signal) -> None:
    d, p = signal.decision, signal.prediction
    s.add(
        EntrySignalRow(
            id=signal.id,
            symbol=p.symbol,
            timeframe=p.timeframe,
            horizon=p.horizon,
            direction=d.direction,
            entry=d.entry,
            sl=d.sl,
            tp=d.tp,
            rr_ratio=d.rr_ratio,
            prob_tp_first=d.prob_tp_first,
            confidence=d.confidence,
            amd_phase=p.amd_phase,
            strategy=signal.strategy,
            reason=d.reason,
            model_name=p.model_name,
            model_version=p.model_version,
            bar_time=p.bar_time,
            created_at=signal.created_at,
            valid_until=signal.valid_until,
            expected_r=d.expected_r,
            experimental=p.experimental,
        )
    )


async def store_signal(db: Database, signal: Signal, clock: Clock) -> Signal:
    """Persist the signal and stage its ml_signal_new event on signals:{symbol}, atomically."""
    stored = replace(signal, id=signal.id or str(uuid.uuid4()))
    channel = signals_channel(stored.prediction.symbol)
    event = new_event("ml_signal_new", channel, signal_event(stored), PRODUCER, clock)
    async with db.transaction() as s:
        await _insert(s, stored)
        await outbox.stage(s, channel, event.SerializeToString(), table=OUTBOX, clock=clock)
    return stored


async def recent_rows(db: Database, symbol: str, horizon: int, limit: int) -> list[StoredSignal]:
    """The newest stored signals of a symbol and horizon, each with its outcome once resolved."""
    async with db.session() as s:
        rows = await s.execute(
            select(EntrySignalRow, SignalOutcomeRow.outcome, SignalOutcomeRow.r)
            .outerjoin(SignalOutcomeRow, SignalOutcomeRow.signal_id == EntrySignalRow.id)
            .where(EntrySignalRow.symbol == symbol.upper(), EntrySignalRow.horizon == horizon)
            .order_by(EntrySignalRow.created_at.desc())
            .limit(limit)
        )
        return [stored(row, outcome, r) for row, outcome, r in rows]
