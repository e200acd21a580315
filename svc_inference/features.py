"""The one feature builder: 21 features per bar, the same code for training and serving.

Every feature at bar t uses only bars up to and including t (its close), so a model trained on
these features never sees the future, and the row served live equals the row it was trained on.
Indicators come from `quant.indicators` (shared with svc_market). Values are scale-free (ratios,
returns, ATR units) so one model transfers between price levels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from quant import indicators as ind
from quant.bars import Bars

FEATURE_NAMES: tuple[str, ...] = (
    "volatility_10",
    "volatility_20",
    "rsi_14",
    "momentum_10",
    "momentum_20",
    "sma_ratio_10",
    "sma_ratio_20",
    "sma_ratio_50",
    "atr_norm",
    "range_atr",
    "body_atr",
    "body_ratio",
    "upper_wick_ratio",
    "lower_wick_ratio",
    "macd_hist_atr",
    "bb_position",
    "bb_width",
    "volume_ratio",
    "session",
    "tod_sin",
    "tod_cos",
)
WARMUP_BARS = 50
"""bars before the first complete feature row (SMA 50 is the longest window)."""
BAR_COLUMNS = ("ts", "open", "high", "low", "close", "volume")

# Trading sessions by UTC hour: 0 Asia, 1 London, 2 London/New York overlap, 3 New York, 4 late.
_SESSION_BY_HOUR = np.array([0] * 7 + [1] * 5 + [2] * 4 + [3] * 5 + [4] * 3, dtype=np.float64)

Array = NDArray[np.float64]


def _rolling_std(x: Array, n: int) -> Array:
    out = np.full(x.size, np.nan)
    if x.size >= n:
        out[n - 1 :] = sliding_window_view(x, n).std(axis=1)
    return out


def _lagged_ratio(x: Array, n: int) -> Array:
    out = np.full(x.size, np.nan)
    out[n:] = x[n:] / x[:-n] - 1.0
    return out


def _safe_div(num: Array, den: Array, fill: float) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return np.where(den == 0.0, fill, out)


def to_utc_index(ts: pd.Series | pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Timestamps as a UTC DatetimeIndex; integers are seconds since the epoch (quant.bars)."""
    if pd.api.types.is_integer_dtype(ts):
        return pd.DatetimeIndex(pd.to_datetime(np.asarray(ts), unit="s", utc=True))
    return pd.DatetimeIndex(pd.to_datetime(ts, utc=True))


def bars_frame(bars: Bars) -> pd.DataFrame:
    """A quant.bars.Bars as the DataFrame the pipeline takes."""
    return pd.DataFrame(
        {
            "ts": to_utc_index(pd.Series(bars.ts)),
            "open": bars.open,
            "high": bars.high,
            "low": bars.low,
            "close": bars.close,
            "volume": bars.volume,
        }
    )


def utc_hours(ts: pd.Series | pd.DatetimeIndex) -> Array:
    """Fractional UTC hour of day (0 to 24) of each timestamp."""
    t = to_utc_index(ts)
    return (t.hour + t.minute / 60.0 + t.second / 3600.0).to_numpy(dtype=np.float64)


def build_features(bars: pd.DataFrame) -> pd.DataFrame:
    """The 21 features for every bar of `bars` (columns ts, open, high, low, close, volume).

    The first WARMUP_BARS - 1 rows hold NaN in the windowed features; callers drop them for
    training and need at least WARMUP_BARS bars to serve.
    """
    o, h, lo, c = (bars[k].to_numpy(dtype=np.float64) for k in ("open", "high", "low", "close"))
    v = bars["volume"].to_numpy(dtype=np.float64)
    log_ret = np.full(c.size, np.nan)
    log_ret[1:] = np.diff(np.log(c))
    atr = ind.atr(h, lo, c, 14)
    span = h - lo
    _, _, macd_hist = ind.macd(c)
    bb_mid, bb_up, bb_low = ind.bollinger(c, 20, 2.0)
    hours = utc_hours(bars["ts"])
    angle = 2.0 * np.pi * hours / 24.0
    columns = {
        "volatility_10": _rolling_std(log_ret, 10),
        "volatility_20": _rolling_std(log_ret, 20),
        "rsi_14": ind.rsi(c, 14) / 100.0,
        "momentum_10": _lagged_ratio(c, 10),
        "momentum_20": _lagged_ratio(c, 20),
        "sma_ratio_10": c / ind.sma(c, 10) - 1.0,
        "sma_ratio_20": c / ind.sma(c, 20) - 1.0,
        "sma_ratio_50": c / ind.sma(c, 50) - 1.0,
        "atr_norm": atr / c,
        "range_atr": span / atr,
        "body_atr": (c - o) / atr,
        "body_ratio": _safe_div(c - o, span, 0.0),
        "upper_wick_ratio": _safe_div(h - np.maximum(o, c), span, 0.0),
        "lower_wick_ratio": _safe_div(np.minimum(o, c) - lo, span, 0.0),
        "macd_hist_atr": macd_hist / atr,
        "bb_position": _safe_div(c - bb_low, bb_up - bb_low, 0.5),
        "bb_width": (bb_up - bb_low) / bb_mid,
        "volume_ratio": _safe_div(v, ind.sma(v, 20), 1.0),
        "session": _SESSION_BY_HOUR[np.floor(hours).astype(np.int64) % 24],
        "tod_sin": np.sin(angle),
        "tod_cos": np.cos(angle),
    }
    return pd.DataFrame(columns, index=bars.index, columns=list(FEATURE_NAMES))


def latest_row(bars: pd.DataFrame) -> NDArray[np.float32]:
    """The feature row of the last bar, shaped (1, 21), float32 as the models take it."""
    if len(bars) < WARMUP_BARS:
        raise ValueError(f"need at least {WARMUP_BARS} bars, got {len(bars)}")
    return build_features(bars).to_numpy(dtype=np.float32)[-1:]


def amd_phases(bars: pd.DataFrame) -> NDArray[np.int64]:
    """The AMD phase code of every bar (quant.indicators.amd_phase)."""
    return ind.amd_phase(*(bars[k].to_numpy(dtype=np.float64) for k in ("open", "high", "low", "close")))
