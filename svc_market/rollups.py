"""Stored roll-ups: coarse candles kept beside the base bars so coarse queries read few rows.

A roll-up ``(base_s, tf_s, anchor_s)`` of a symbol holds ``quant.bars.resample(base bars, tf_s,
anchor_s)``, computed by that same function (so a candle from a roll-up is identical to one
resampled on the fly, volume sums included). Roll-ups exist for every timeframe at least
``MIN_RATIO`` times the base resolution (5 m bars: 1 h, 4 h, 1 d), i.e. wherever 1,000 candles
would otherwise read 12,000 or more base rows.

Every write of base bars (``bar_store.upsert_bars``) updates, in the same transaction, the buckets
it touches in each roll-up registered for that series (``rollup_series``), and registers and
builds the ones it should have: intraday ones at anchor 0, daily ones at the caller's daily anchor.
A registered roll-up is complete: it stays registered for good and is maintained by every later
write, so one stored for an earlier daily anchor stays right. ``ensure_rollups`` (at service start)
builds whatever the configured anchor needs for data written before.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from quant.bars import TIMEFRAME_SECONDS, Bars, anchor_for, bucket_start, resample
from svc_market.bar_rows import bars_from_rows, load_bars, upsert_insert
from svc_market.models import RollupBar, RollupSeries, Series

MIN_RATIO = 12
BATCH_ROWS = 10_000
Kind = tuple[int, int]  # (tf_s, anchor_s)


def rollup_timeframes(base_s: int) -> list[int]:
    """The timeframes stored as roll-ups of a base resolution."""
    return sorted(
        tf for tf in set(TIMEFRAME_SECONDS.values()) if tf % base_s == 0 and tf // base_s >= MIN_RATIO
    )


def wanted_kinds(base_s: int, daily_anchor_s: int) -> set[Kind]:
    return {(tf, anchor_for(tf, daily_anchor_s)) for tf in rollup_timeframes(base_s)}


async def registered_kinds(session: AsyncSession, symbol_id: int, base_s: int) -> set[Kind]:
    rows = await session.execute(
        select(RollupSeries.tf_s, RollupSeries.anchor_s).where(
            RollupSeries.symbol_id == symbol_id, RollupSeries.base_s == base_s
        )
    )
    return {(int(tf), int(anchor)) for tf, anchor in rows.all()}


def merge(existing: Bars, new: Bars) -> Bars:
    """The union of two sorted bar sets; a timestamp in both takes the new bar (as the upsert does)."""
    if len(existing) == 0:
        return new
    keep = ~np.isin(existing.ts, new.ts)
    ts = np.concatenate((existing.ts[keep], new.ts))
    order = np.argsort(ts, kind="stable")
    columns = (
        np.concatenate((getattr(existing, name)[keep], getattr(new, name)))[order]
        for name in ("open", "high", "low", "close", "volume")
    )
    return Bars(ts[order], *columns)


def covering(ts_first: int, ts_last: int, kinds: set[Kind]) -> tuple[int, int]:
    """[start, end) holding every whole bucket, of any of the kinds, that the range touches."""
    start = min(int(bucket_start([ts_first], tf, anchor)[0]) for tf, anchor in kinds)
    end = max(int(bucket_start([ts_last], tf, anchor)[0]) + tf for tf, anchor in kinds)
    return start, end


def within(bars: Bars, start: int, end: int) -> Bars:
    lo, hi = np.searchsorted(bars.ts, [start, end], side="left")
    return bars.slice(int(lo), int(hi))


async def store_rollup(
    session: AsyncSession,
    symbol_id: int,
    base_s: int,
    kind: Kind,
    candles: Bars,
    batch_rows: int = BATCH_ROWS,
) -> None:
    """Insert or replace the given buckets of one roll-up."""
    if len(candles) == 0:
        return
    tf_s, anchor_s = kind
    stmt = upsert_insert(session)(RollupBar)
    stmt = stmt.on_conflict_do_update(
        index_elements=["symbol_id", "base_s", "tf_s", "anchor_s", "ts"],
        set_={name: getattr(stmt.excluded, name) for name in ("open", "high", "low", "close", "volume")},
    )
    columns = candles.rows()
    rows = [
        {
            "symbol_id": symbol_id,
            "base_s": base_s,
            "tf_s": tf_s,
            "anchor_s": anchor_s,
            "ts": ts,
            "open": o,
            "high": h,
            "low": lo,
            "close": c,
            "volume": v,
        }
        for ts, o, h, lo, c, v in columns
    ]
    for start in range(0, len(rows), batch_rows):
        await session.execute(stmt, rows[start : start + batch_rows])


async def register(session: AsyncSession, symbol_id: int, base_s: int, kinds: set[Kind]) -> None:
    if not kinds:
        return
    stmt = upsert_insert(session)(RollupSeries).on_conflict_do_nothing()
    await session.execute(
        stmt,
        [{"symbol_id": symbol_id, "base_s": base_s, "tf_s": tf, "anchor_s": a} for tf, a in sorted(kinds)],
    )


async def build_all(session: AsyncSession, symbol_id: int, base_s: int, kinds: set[Kind]) -> None:
    """Build roll-ups from the whole stored base series and register them."""
    if not kinds:
        return
    bars = await load_bars(session, symbol_id, base_s, None, None)
    for kind in sorted(kinds):
        await store_rollup(session, symbol_id, base_s, kind, resample(bars, *kind))
    await register(session, symbol_id, base_s, kinds)


async def ensure_rollups(db: Database, daily_anchor_s: int) -> int:
    """Build the roll-ups every stored series should have at this daily anchor; returns how many."""
    async with db.session() as session:
        series = [(r.symbol_id, r.resolution_s) for r in (await session.execute(select(Series))).scalars()]
    built = 0
    for symbol_id, base_s in series:
        async with db.transaction() as session:
            missing = wanted_kinds(base_s, daily_anchor_s) - await registered_kinds(
                session, symbol_id, base_s
            )
            await build_all(session, symbol_id, base_s, missing)
            built += len(missing)
    return built


async def load_rollup(
    session: AsyncSession,
    symbol_id: int,
    base_s: int,
    kind: Kind,
    start_ts: int | None,
    end_ts: int,
    limit: int,
) -> Bars:
    """The newest ``limit`` stored candles with start_ts <= ts < end_ts, oldest first."""
    tf_s, anchor_s = kind
    stmt = select(
        RollupBar.ts, RollupBar.open, RollupBar.high, RollupBar.low, RollupBar.close, RollupBar.volume
    ).where(
        RollupBar.symbol_id == symbol_id,
        RollupBar.base_s == base_s,
        RollupBar.tf_s == tf_s,
        RollupBar.anchor_s == anchor_s,
        RollupBar.ts < end_ts,
    )
    if start_ts is not None:
        stmt = stmt.where(RollupBar.ts >= start_ts)
    rows = (await session.execute(stmt.order_by(RollupBar.ts.desc()).limit(limit))).all()
    return bars_from_rows(rows[::-1])
