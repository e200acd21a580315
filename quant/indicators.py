"""Technical indicators over float64 numpy arrays.

Every function takes 1-D arrays (anything ``np.asarray`` accepts) and returns float64 arrays of the
same length; positions inside the warm-up window are NaN. The definitions follow the textbook ones
(Wilder for RSI and ATR); ``docs/market.md`` writes them down, including the AMD phase rule.

Recursive filters (EMA, Wilder smoothing) are evaluated block-wise in closed form so that no Python
loop runs per element: inside a block of length L, ``y[t] = d^t * (d*y[-1] + a*cumsum(x[j]*d^-j))``,
with L chosen so that ``d^-L`` stays far from overflow.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

AMD_UNKNOWN = 0
AMD_ACCUMULATION = 1
AMD_MANIPULATION = 2
AMD_DISTRIBUTION = 3

# ln(d^-L) stays under this, so d^-L <= e^500 (~1e217) and products with prices cannot overflow.
_MAX_LOG_GROWTH = 500.0


def _as_array(x: ArrayLike) -> Array:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError("indicators take 1-D arrays")
    return arr


def _check_period(n: int) -> None:
    if n < 1:
        raise ValueError(f"period must be >= 1, got {n}")


def _nans(size: int) -> Array:
    return np.full(size, np.nan, dtype=np.float64)


def _linear_recurrence(x: Array, decay: float, gain: float, prev: float) -> Array:
    """``y[t] = decay * y[t-1] + gain * x[t]`` with ``y[-1] = prev``, vectorised per block."""
    out = np.empty_like(x)
    if decay == 0.0:
        out[:] = gain * x
        return out
    block = max(1, int(_MAX_LOG_GROWTH / -math.log(decay))) if decay < 1.0 else x.size
    start = 0
    while start < x.size:
        chunk = x[start : start + block]
        k = np.arange(chunk.size, dtype=np.float64)
        grow = decay**-k
        shrink = decay**k
        out[start : start + chunk.size] = shrink * (decay * prev + gain * np.cumsum(chunk * grow))
        prev = float(out[start + chunk.size - 1])
        start += chunk.size
    return out


def _first_valid(x: Array) -> int:
    valid = np.flatnonzero(~np.isnan(x))
    return int(valid[0]) if valid.size else x.size


def sma(x: ArrayLike, n: int) -> Array:
    """Simple moving average of the last ``n`` values; NaN for the first ``n - 1``."""
    _check_period(n)
    arr = _as_array(x)
    out = _nans(arr.size)
    if arr.size >= n:
        out[n - 1 :] = sliding_window_view(arr, n).mean(axis=1)
    return out


def _smoothed(x: Array, n: int, decay: float, gain: float) -> Array:
    """Seed with the SMA of the first ``n`` valid values, then run the recurrence."""
    out = _nans(x.size)
    start = _first_valid(x)
    seed_end = start + n
    if seed_end > x.size:
        return out
    seed = float(np.mean(x[start:seed_end]))
    out[seed_end - 1] = seed
    out[seed_end:] = _linear_recurrence(x[seed_end:], decay, gain, seed)
    return out


def ema(x: ArrayLike, n: int) -> Array:
    """Exponential moving average, alpha = 2/(n+1), seeded with the SMA of the first ``n`` values.

    Leading NaNs (e.g. another indicator's warm-up) are skipped: the seed is taken over the first
    ``n`` non-NaN values.
    """
    _check_period(n)
    alpha = 2.0 / (n + 1.0)
    return _smoothed(_as_array(x), n, 1.0 - alpha, alpha)


def wilder(x: ArrayLike, n: int) -> Array:
    """Wilder's smoothing (alpha = 1/n), seeded with the SMA of the first ``n`` values."""
    _check_period(n)
    return _smoothed(_as_array(x), n, (n - 1.0) / n, 1.0 / n)


def rsi(close: ArrayLike, n: int = 14) -> Array:
    """Wilder's RSI: averages of gains and losses over ``n`` changes, Wilder-smoothed.

    The first value is at index ``n`` (``n`` price changes are needed). When the average loss is
    zero the RSI is 100, or 50 when the average gain is zero as well (a flat series).
    """
    _check_period(n)
    c = _as_array(close)
    out = _nans(c.size)
    if c.size <= n:
        return out
    delta = np.diff(c)
    avg_gain = wilder(np.maximum(delta, 0.0), n)
    avg_loss = wilder(np.maximum(-delta, 0.0), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    value = np.where(avg_loss == 0.0, np.where(avg_gain == 0.0, 50.0, 100.0), value)
    out[1:] = np.where(np.isnan(avg_gain), np.nan, value)
    return out


def true_range(high: ArrayLike, low: ArrayLike, close: ArrayLike) -> Array:
    """max(high - low, |high - prev close|, |low - prev close|); the first bar is high - low."""
    h, lo, c = _as_array(high), _as_array(low), _as_array(close)
    tr = h - lo
    if tr.size > 1:
        prev = c[:-1]
        tr[1:] = np.maximum.reduce([tr[1:], np.abs(h[1:] - prev), np.abs(lo[1:] - prev)])
    return tr


def atr(high: ArrayLike, low: ArrayLike, close: ArrayLike, n: int = 14) -> Array:
    """Wilder's ATR: the mean of the first ``n`` true ranges, then Wilder smoothing."""
    return wilder(true_range(high, low, close), n)


def macd(close: ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9) -> tuple[Array, Array, Array]:
    """MACD line (EMA fast - EMA slow), its signal line (EMA of the line) and the histogram."""
    c = _as_array(close)
    line = ema(c, fast) - ema(c, slow)
    sig = ema(line, signal)
    return line, sig, line - sig


def bollinger(close: ArrayLike, n: int = 20, k: float = 2.0) -> tuple[Array, Array, Array]:
    """Bollinger bands: SMA ``n`` and ``k`` population standard deviations either side."""
    _check_period(n)
    c = _as_array(close)
    mid = sma(c, n)
    std = _nans(c.size)
    if c.size >= n:
        std[n - 1 :] = sliding_window_view(c, n).std(axis=1)
    return mid, mid + k * std, mid - k * std


def _prior_extreme(x: Array, window: int, *, highest: bool) -> Array:
    """Max (or min) of the ``window`` bars before each bar, excluding the bar itself."""
    out = _nans(x.size)
    if x.size > window:
        view = sliding_window_view(x[:-1], window)
        out[window:] = view.max(axis=1) if highest else view.min(axis=1)
    return out


def amd_phase(
    open_: ArrayLike,
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    window: int = 20,
    atr_n: int = 14,
    compression: float = 3.0,
) -> NDArray[np.int64]:
    """Accumulation / manipulation / distribution code per bar (see docs/market.md).

    With R = [min low, max high] of the ``window`` bars before the bar and ATR = ATR(``atr_n``) of
    the bar before:
    3 distribution: the bar closes outside R (expansion);
    2 manipulation: the bar trades outside R but closes back inside (a sweep / false break);
    1 accumulation: the bar stays inside R and R is narrower than ``compression`` x ATR;
    0 unknown: warm-up, or a bar inside a wide range.
    ``open_`` is accepted for a uniform OHLC signature; the rule does not use it.
    """
    _check_period(window)
    _as_array(open_)
    h, lo, c = _as_array(high), _as_array(low), _as_array(close)
    top = _prior_extreme(h, window, highest=True)
    bottom = _prior_extreme(lo, window, highest=False)
    prev_atr = np.concatenate(([np.nan], atr(h, lo, c, atr_n)[:-1]))
    known = ~np.isnan(top) & ~np.isnan(prev_atr)
    with np.errstate(invalid="ignore"):
        closes_out = (c > top) | (c < bottom)
        trades_out = (h > top) | (lo < bottom)
        compressed = (top - bottom) < compression * prev_atr
    phase = np.full(h.size, AMD_UNKNOWN, dtype=np.int64)
    phase[known & compressed] = AMD_ACCUMULATION
    phase[known & trades_out & ~closes_out] = AMD_MANIPULATION
    phase[known & closes_out] = AMD_DISTRIBUTION
    return phase
