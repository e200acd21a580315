"""Simulated OHLCV bars: a seeded random walk with regimes (trend up, trend down, range).

Used by tests and benchmarks. Regimes persist for a
while and volatility follows the trading session, so the models have something real to learn.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

_REGIME_DRIFT = np.array([0.0, 0.35, -0.35])  # per-bar drift in units of the bar's volatility
_SESSION_VOL = np.array([0.6] * 7 + [1.2] * 5 + [1.5] * 4 + [1.1] * 5 + [0.5] * 3)


def simulate_bars(
    n: int,
    *,
    seed: int = 7,
    start: datetime | None = None,
    timeframe_s: int = 300,
    price: float = 1.1,
    base_vol: float = 0.0006,
    mean_regime_bars: int = 150,
    drift: float = 1.0,
) -> pd.DataFrame:
    """`n` bars (ts, open, high, low, close, volume) every `timeframe_s` seconds from `start`.

    `drift` scales the regimes' drift: 0 gives a random walk (session volatility only), nothing
    a model could forecast beyond volatility and the clock."""
    rng = np.random.default_rng(seed)
    start = start or datetime(2024, 1, 1, tzinfo=UTC)
    ts = pd.date_range(start, periods=n, freq=pd.Timedelta(seconds=timeframe_s), tz=UTC)
    switches = rng.random(n) < 1.0 / mean_regime_bars
    regime = np.empty(n, dtype=np.int64)
    current = 0
    for i in range(n):
        if switches[i]:
            current = int(rng.integers(0, 3))
        regime[i] = current
    vol = base_vol * _SESSION_VOL[ts.hour.to_numpy()] * np.exp(0.25 * rng.standard_normal(n))
    ret = vol * (drift * _REGIME_DRIFT[regime] + rng.standard_normal(n))
    close = price * np.exp(np.cumsum(ret))
    open_ = np.concatenate(([price], close[:-1]))
    wick_up = np.abs(rng.standard_normal(n)) * vol * 0.6
    wick_down = np.abs(rng.standard_normal(n)) * vol * 0.6
    high = np.maximum(open_, close) * (1.0 + wick_up)
    low = np.minimum(open_, close) * (1.0 - wick_down)
    volume = np.round(1000.0 * vol / base_vol * (1.0 + rng.random(n)))
    return pd.DataFrame({"ts": ts, "open": open_, "high": high, "low": low, "close": close, "volume": volume})


def trending_bars(
    n: int, *, seed: int = 1, strength: float = 1.0, persistence: float = 0.98, timeframe_s: int = 300
) -> pd.DataFrame:
    """Bars whose drift is a persistent, symmetric hidden trend (AR(1), stationary sd `strength`
    in units of the bar's volatility): what the recent bars show carries on, up or down alike.
    A planted, learnable pattern for checking that the promotion gate lets real skill through."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range(datetime(2024, 1, 1, tzinfo=UTC), periods=n, freq=pd.Timedelta(seconds=timeframe_s))
    shocks = rng.standard_normal(n) * strength * np.sqrt(1.0 - persistence**2)
    trend = np.zeros(n)
    for i in range(1, n):
        trend[i] = persistence * trend[i - 1] + shocks[i]
    vol = 0.0006 * np.exp(0.25 * rng.standard_normal(n))
    close = 1.1 * np.exp(np.cumsum(vol * (trend + rng.standard_normal(n))))
    open_ = np.concatenate(([1.1], close[:-1]))
    high = np.maximum(open_, close) * (1.0 + np.abs(rng.standard_normal(n)) * vol * 0.6)
    low = np.minimum(open_, close) * (1.0 - np.abs(rng.standard_normal(n)) * vol * 0.6)
    volume = np.round(1000.0 * (1.0 + rng.random(n)))
    return pd.DataFrame({"ts": ts, "open": open_, "high": high, "low": low, "close": close, "volume": volume})
