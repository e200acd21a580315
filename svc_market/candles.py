"""Candles at any timeframe, aggregated from the stored base bars, and how fresh they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidArgument, NotFound
from quant.bars import Bars, anchor_for, bucket_start, resample, timeframe_seconds
from svc_market.bar_store import SOURCE_SIMULATED, SeriesInfo, load_bars, series_of
from svc_market.rollups import load_rollup, registered_kinds
from svc_market.symbols import get_symbol

DEFAULT_LIMIT = 1000
MAX_LIMIT = 5000
_WIDEN_TRIES = 4


@dataclass(frozen=True)
class Freshness:
    """How current a symbol's stored data is (seed 9.1)."""

    last_bar_ts: int | None
    age_s: int
    stale: bool
    provider_available: bool
    simulated: bool
    source: str = ""  # where the newest stored bars came from (polygon, legacy_mysql, ...)


@dataclass(frozen=True)
class CandleQuery:
    """What GetCandles asks for; times are epoch seconds."""

    symbol: str
    tf: str
    start_ts: int | None
    end_ts: int | None
    limit: int = DEFAULT_LIMIT


def freshness_of(
    series: list[SeriesInfo], now: datetime, stale_after_s: int, provider_available: bool
) -> Freshness:
    if not series:
        return Freshness(None, 0, True, provider_available, False, "")
    newest = max(series, key=lambda s: s.last_ts + s.resolution_s)
    age = max(0, int(now.timestamp()) - (newest.last_ts + newest.resolution_s))
    return Freshness(
        newest.last_ts,
        age,
        age > stale_after_s,
        provider_available,
        newest.source == SOURCE_SIMULATED,
        newest.source,
    )


def pick_series(series: list[SeriesInfo], tf_s: int, start_ts: int | None, end_ts: int) -> SeriesInfo | None:
    """The coarsest stored resolution that divides the timeframe and overlaps the range."""
    usable = [
        s
        for s in series
        if s.resolution_s <= tf_s
        and tf_s % s.resolution_s == 0
        and s.first_ts < end_ts
        and (start_ts is None or s.last_ts >= start_ts)
    ]
    return max(usable, key=lambda s: s.resolution_s) if usable else None


async def _newest_window(
    session: AsyncSession, symbol_id: int, chosen: SeriesInfo, tf_s: int, anchor: int, end_ts: int, limit: int
) -> Bars:
    """Widen a window back from end_ts until it holds ``limit`` candles or reaches the first bar."""
    span = limit * tf_s * 3 // 2
    for _ in range(_WIDEN_TRIES):
        start = int(bucket_start([end_ts - span], tf_s, anchor)[0])
        candles = resample(
            await load_bars(session, symbol_id, chosen.resolution_s, start, end_ts), tf_s, anchor
        )
        if len(candles) >= limit or start <= chosen.first_ts:
            return candles
        span *= 2
    return candles


async def get_candles(
    session: AsyncSession, query: CandleQuery, now: datetime, daily_anchor_s: int
) -> tuple[str, Bars, list[SeriesInfo]]:
    """Candles whose open time is in [start, end), newest ``limit`` of them, oldest first."""
    try:
        tf_s = timeframe_seconds(query.tf)
    except ValueError as exc:
        raise InvalidArgument(str(exc), violations=[("tf", str(exc))], reason="BAD_TIMEFRAME") from None
    limit = min(query.limit or DEFAULT_LIMIT, MAX_LIMIT)
    symbol = await get_symbol(session, query.symbol)
    series = await series_of(session, symbol.id)
    end_ts = query.end_ts if query.end_ts is not None else int(now.timestamp()) + 1
    if query.start_ts is not None and query.start_ts >= end_ts:
        raise InvalidArgument("from must be before to", violations=[("from", "must be before to")])
    anchor = anchor_for(tf_s, daily_anchor_s)
    chosen = pick_series(series, tf_s, query.start_ts, end_ts)
    if chosen is None:
        if not series:
            raise NotFound(f"no bars stored for {symbol.symbol}", reason="NO_DATA")
        return symbol.symbol, Bars.empty(), series
    if (tf_s, anchor) in await registered_kinds(session, symbol.id, chosen.resolution_s):
        # a stored roll-up: the candles themselves, newest ``limit`` in one index range scan
        kind = (tf_s, anchor)
        stored = await load_rollup(
            session, symbol.id, chosen.resolution_s, kind, query.start_ts, end_ts, limit
        )
        return symbol.symbol, stored, series
    aligned_end = int(bucket_start([end_ts - 1], tf_s, anchor)[0]) + tf_s
    if query.start_ts is None:
        # nothing is stored after the series' last bar: count the window back from there
        data_end = int(bucket_start([chosen.last_ts], tf_s, anchor)[0]) + tf_s
        window_end = min(aligned_end, data_end)
        candles = await _newest_window(session, symbol.id, chosen, tf_s, anchor, window_end, limit)
    else:
        start = int(bucket_start([query.start_ts], tf_s, anchor)[0])
        base = await load_bars(session, symbol.id, chosen.resolution_s, start, aligned_end)
        candles = resample(base, tf_s, anchor)
    keep = candles.ts < end_ts
    if query.start_ts is not None:
        keep &= candles.ts >= query.start_ts
    idx = keep.nonzero()[0][-limit:]
    return symbol.symbol, candles.slice(int(idx[0]), int(idx[-1]) + 1) if idx.size else Bars.empty(), series


def epoch(when: datetime) -> int:
    return int(when.astimezone(UTC).timestamp())
