"""Storing and reading OHLCV bars: idempotent bulk upserts and range reads into numpy columns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quant.bars import Bars, resample
from svc_market import rollups
from svc_market.bar_rows import load_bars, upsert_insert
from svc_market.models import Bar, Series

BATCH_ROWS = 10_000
SOURCE_POLYGON, SOURCE_IMPORT, SOURCE_SIMULATED = "polygon", "import", "simulated"
SOURCE_LEGACY_MYSQL = "legacy_mysql"
SOURCE_LIVE = "polygon_live"  # bars built from live quotes, until a sync replaces them
_BAR_COLUMNS = ("open", "high", "low", "close", "volume", "source")


def _rows(symbol_id: int, resolution_s: int, bars: Bars, source: str) -> Iterator[dict[str, Any]]:
    columns = bars.rows()
    for ts, o, h, lo, c, v in columns:
        yield {
            "symbol_id": symbol_id,
            "resolution_s": resolution_s,
            "ts": ts,
            "open": o,
            "high": h,
            "low": lo,
            "close": c,
            "volume": v,
            "source": source,
        }


async def upsert_bars(
    session: AsyncSession,
    symbol_id: int,
    resolution_s: int,
    bars: Bars,
    source: str,
    batch_rows: int = BATCH_ROWS,
    daily_anchor_s: int = 0,
) -> int:
    """Insert or replace bars by (symbol, resolution, ts) in batches; returns the rows written.

    The series' roll-ups (svc_market/rollups.py) are brought up to date in the same transaction,
    the caller's, so a failure leaves nothing behind. Call ``refresh_series`` once
    afterwards. ``daily_anchor_s`` is the daily anchor whose roll-up the series should have.
    """
    if len(bars) == 0:
        return 0
    registered = await rollups.registered_kinds(session, symbol_id, resolution_s)
    new_kinds = rollups.wanted_kinds(resolution_s, daily_anchor_s) - registered
    kinds, rebuild = registered | new_kinds, set()
    merged = bars
    if kinds:
        # the touched buckets may hold stored bars too: read them before the write replaces any
        start, end = rollups.covering(int(bars.ts[0]), int(bars.ts[-1]), kinds)
        merged = rollups.merge(await load_bars(session, symbol_id, resolution_s, start, end), bars)
        if new_kinds and await _has_bars_outside(session, symbol_id, resolution_s, start, end):
            kinds, rebuild = registered, new_kinds  # these need the whole series: built after
    stmt = upsert_insert(session)(Bar)
    stmt = stmt.on_conflict_do_update(
        index_elements=["symbol_id", "resolution_s", "ts"],
        set_={name: getattr(stmt.excluded, name) for name in _BAR_COLUMNS},
    )
    rows = list(_rows(symbol_id, resolution_s, bars, source))
    for offset in range(0, len(rows), batch_rows):
        await session.execute(stmt, rows[offset : offset + batch_rows])
    for kind in sorted(kinds):
        first, stop = rollups.covering(int(bars.ts[0]), int(bars.ts[-1]), {kind})
        candles = resample(rollups.within(merged, first, stop), *kind)
        await rollups.store_rollup(session, symbol_id, resolution_s, kind, candles)
    await rollups.register(session, symbol_id, resolution_s, kinds - registered)
    await rollups.build_all(session, symbol_id, resolution_s, rebuild)
    return len(rows)


async def _has_bars_outside(
    session: AsyncSession, symbol_id: int, resolution_s: int, start: int, end: int
) -> bool:
    found = await session.execute(
        select(Bar.ts)
        .where(
            Bar.symbol_id == symbol_id,
            Bar.resolution_s == resolution_s,
            (Bar.ts < start) | (Bar.ts >= end),
        )
        .limit(1)
    )
    return found.first() is not None


async def refresh_series(
    session: AsyncSession, symbol_id: int, resolution_s: int, source: str, synced_at: datetime | None = None
) -> None:
    """Recompute the stored range and count of one series after a write."""
    first, last, count = (
        await session.execute(
            select(func.min(Bar.ts), func.max(Bar.ts), func.count()).where(
                Bar.symbol_id == symbol_id, Bar.resolution_s == resolution_s
            )
        )
    ).one()
    if not count:
        return
    values: dict[str, Any] = {"first_ts": first, "last_ts": last, "bar_count": count, "source": source}
    if synced_at is not None:
        values["last_sync_at"] = synced_at
    stmt = upsert_insert(session)(Series).values(symbol_id=symbol_id, resolution_s=resolution_s, **values)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["symbol_id", "resolution_s"], set_=values)
    )


@dataclass(frozen=True)
class SeriesInfo:
    """One stored series of a symbol."""

    resolution_s: int
    first_ts: int
    last_ts: int
    bar_count: int
    source: str
    last_sync_at: datetime | None


async def series_of(session: AsyncSession, symbol_id: int) -> list[SeriesInfo]:
    rows = (await session.execute(select(Series).where(Series.symbol_id == symbol_id))).scalars().all()
    return sorted(
        (
            SeriesInfo(r.resolution_s, r.first_ts, r.last_ts, r.bar_count, r.source, r.last_sync_at)
            for r in rows
        ),
        key=lambda s: s.resolution_s,
    )


async def last_bars(
    session: AsyncSession, symbol_id: int, resolution_s: int, count: int, end_ts: int
) -> Bars:
    """The newest ``count`` bars before end_ts, oldest first."""
    stmt = (
        select(Bar.ts)
        .where(Bar.symbol_id == symbol_id, Bar.resolution_s == resolution_s, Bar.ts < end_ts)
        .order_by(Bar.ts.desc())
        .offset(max(count - 1, 0))
        .limit(1)
    )
    start = (await session.execute(stmt)).scalar_one_or_none()
    return await load_bars(session, symbol_id, resolution_s, start, end_ts)


async def last_synced_ts(session: AsyncSession, symbol_id: int, resolution_s: int) -> int | None:
    """The newest bar a provider wrote (not one built from live quotes): where a sync resumes."""
    found = await session.execute(
        select(func.max(Bar.ts)).where(
            Bar.symbol_id == symbol_id, Bar.resolution_s == resolution_s, Bar.source != SOURCE_LIVE
        )
    )
    value = found.scalar_one_or_none()
    return int(value) if value is not None else None
