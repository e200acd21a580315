"""Simulated bars for the embedded run, stored with source "simulated" (never presented as market data).

A random walk in log price whose volatility switches between calm and busy regimes, scaled by an
intraday profile (quiet Asian hours, busier London and New York, busiest at their overlap); FX,
commodities and indices are closed outside their trading hours, crypto trades every day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from core.clock import Clock
from core.db import Database
from quant.bars import Bars
from quant.trading_hours import is_open
from svc_market.bar_store import SOURCE_SIMULATED, refresh_series, series_of, upsert_bars
from svc_market.catalogue import BY_SYMBOL, HOURS, SymbolSpec
from svc_market.symbols import ensure_catalogue, get_symbol

BAR_S = 300
_HOURLY_ACTIVITY = np.array(
    [
        0.6,
        0.6,
        0.7,
        0.7,
        0.6,
        0.6,
        0.7,
        0.9,
        1.3,
        1.3,
        1.2,
        1.1,
        1.1,
        1.5,
        1.6,
        1.6,
        1.4,
        1.2,
        1.0,
        0.9,
        0.8,
        0.7,
        0.5,
        0.5,
    ]
)


def activity_at(ts: int) -> float:
    """How busy the market is at an instant, by its hour of the day (1: average)."""
    return float(_HOURLY_ACTIVITY[(ts // 3600) % 24])


def open_mask(spec: SymbolSpec, ts: np.ndarray) -> np.ndarray:
    hours = HOURS[spec.hours]
    return np.array([is_open(hours, datetime.fromtimestamp(int(t), UTC)) for t in ts], dtype=bool)


def simulate_bars(spec: SymbolSpec, start: datetime, end: datetime, seed: int) -> Bars:
    """5-minute bars for [start, end) with regimes and seasonality; closed periods have no bars."""
    first = int(start.timestamp()) // BAR_S * BAR_S
    ts_all = np.arange(first, int(end.timestamp()) // BAR_S * BAR_S, BAR_S, dtype=np.int64)
    ts = ts_all[open_mask(spec, ts_all)]
    rng = np.random.default_rng(seed)
    n = ts.size
    bar_vol = spec.daily_vol / np.sqrt(288)
    regime = np.where(np.cumsum(rng.random(n) < 1 / 500) % 2 == 1, 1.8, 0.8)
    activity = _HOURLY_ACTIVITY[(ts // 3600) % 24]
    sigma = bar_vol * regime * activity
    log_close = np.log(spec.start_price) + np.cumsum(rng.normal(0.0, 1.0, n) * sigma)
    close = np.exp(log_close)
    open_ = np.concatenate(([spec.start_price], close[:-1]))
    wick = np.abs(rng.normal(0.0, 0.6, (2, n))) * sigma * close
    high = np.maximum(open_, close) + wick[0]
    low = np.minimum(open_, close) - wick[1]
    volume = np.round(rng.gamma(2.0, 50.0, n) * activity * regime)
    digits = spec.price_precision
    o, h, lo, c = (np.round(a, digits) for a in (open_, high, low, close))
    return Bars.from_columns(ts, o, h, lo, c, volume)


async def seed_demo_data(
    db: Database, clock: Clock, symbols: list[str], days: int, seed: int = 20240101, daily_anchor_s: int = 0
) -> int:
    """Store ``days`` of simulated bars up to now for each symbol that has no bars yet; returns rows."""
    await ensure_catalogue(db)
    end = clock.now()
    start = end - timedelta(days=days)
    written = 0
    for index, code in enumerate(symbols):
        spec = BY_SYMBOL[code]
        async with db.transaction() as session:
            row = await get_symbol(session, code)
            if await series_of(session, row.id):
                continue
            bars = simulate_bars(spec, start, end, seed + index)
            written += await upsert_bars(
                session, row.id, BAR_S, bars, SOURCE_SIMULATED, daily_anchor_s=daily_anchor_s
            )
            await refresh_series(session, row.id, BAR_S, SOURCE_SIMULATED)
    return written
