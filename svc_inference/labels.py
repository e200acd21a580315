"""Training targets, computed from the bars after t only (the features use bars up to t).

- `delta_high` / `delta_low`: the highest high and lowest low of the next `horizon` bars relative
  to the close of bar t (`max(high[t+1..t+h]) / close[t] - 1`, `min(low[t+1..t+h]) / close[t] - 1`).
- TP-before-SL, for long and short at each R:R: entry at close[t], stop at `sl_atr_multiple` x
  ATR(14)[t] from the entry, take-profit at R:R times that distance. Walking bars t+1..t+h, the
  first bar that touches a level decides. A bar that touches both the stop and the take-profit
  counts as a loss (inside one bar the order of the touches is unknown; assuming the worst keeps
  the estimate honest). Neither touched within the horizon: 0 (the take-profit did not come first).
- Three outcomes, kept apart: `tp_first_*` is 1 when the take-profit came first, `sl_first_*` is 1
  when the stop came first (a bar touching both included); both 0 means neither level was touched
  within the horizon (the trade expires). `first_touch_outcome` gives the three-way code.

The last `horizon` bars have no complete future: their labels are NaN and they are never trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from quant import indicators as ind

RR_RATIOS: tuple[float, ...] = (2.0, 3.0)
DIRECTIONS: tuple[str, ...] = ("long", "short")

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Target:
    """One model output: a regression target or a TP-before-SL classifier."""

    name: str
    kind: str  # "range" or "tpsl" (every classifier, whichever level it scores)
    direction: str = ""
    rr: float = 0.0
    event: str = ""  # classifiers: "tp_first" or "sl_first"


RANGE_TARGETS = (Target("delta_high", "range"), Target("delta_low", "range"))
TPSL_TARGETS = tuple(
    Target(f"tp_first_{d}_rr{int(rr)}", "tpsl", d, rr, "tp_first") for d in DIRECTIONS for rr in RR_RATIOS
)
SL_TARGETS = tuple(
    Target(f"sl_first_{d}_rr{int(rr)}", "tpsl", d, rr, "sl_first") for d in DIRECTIONS for rr in RR_RATIOS
)
TARGETS: tuple[Target, ...] = RANGE_TARGETS + TPSL_TARGETS + SL_TARGETS
CLASSIFIER_TARGETS: tuple[Target, ...] = TPSL_TARGETS + SL_TARGETS

TP_FIRST, SL_FIRST, NEITHER = 1.0, -1.0, 0.0


def tpsl_target(direction: str, rr: float) -> Target:
    for t in TPSL_TARGETS:
        if t.direction == direction and t.rr == rr:
            return t
    raise KeyError(f"no TP-before-SL target for {direction} at R:R {rr}")


def sl_target(direction: str, rr: float) -> Target:
    for t in SL_TARGETS:
        if t.direction == direction and t.rr == rr:
            return t
    raise KeyError(f"no SL-before-TP target for {direction} at R:R {rr}")


def _future_windows(x: Array, horizon: int) -> NDArray[np.float64]:
    """Row t holds x[t+1 .. t+horizon]; rows without a full future are NaN."""
    out = np.full((x.size, horizon), np.nan)
    if x.size > horizon:
        out[: x.size - horizon] = sliding_window_view(x[1:], horizon)
    return out


def first_touch_wins(
    entry: Array,
    stop: Array,
    take: Array,
    highs: NDArray[np.float64],
    lows: NDArray[np.float64],
    *,
    long: bool,
) -> Array:
    """1.0 where the take-profit is touched strictly before the stop, else 0.0 (NaN rows stay NaN).

    `highs` / `lows` are (rows, bars) windows of the bars after entry. A bar touching both levels
    is a loss. Shared by the labels and the backtest so both resolve trades the same way.
    """
    del entry  # the levels already encode it; kept in the signature for readability at call sites
    if long:
        hit_tp = highs >= take[:, None]
        hit_sl = lows <= stop[:, None]
    else:
        hit_tp = lows <= take[:, None]
        hit_sl = highs >= stop[:, None]
    bars = highs.shape[1]
    never = bars + 1
    first_tp = np.where(hit_tp.any(axis=1), hit_tp.argmax(axis=1), never)
    first_sl = np.where(hit_sl.any(axis=1), hit_sl.argmax(axis=1), never)
    won = (first_tp < first_sl).astype(np.float64)
    complete = ~np.isnan(highs).any(axis=1) & ~np.isnan(stop)
    return np.where(complete, won, np.nan)


def first_touch_outcome(
    stop: Array,
    take: Array,
    highs: NDArray[np.float64],
    lows: NDArray[np.float64],
    *,
    long: bool,
) -> Array:
    """TP_FIRST (1), SL_FIRST (-1) or NEITHER (0) per row, NaN where the future is incomplete.

    The same walk as `first_touch_wins`: a bar touching both levels is SL_FIRST."""
    if long:
        hit_tp = highs >= take[:, None]
        hit_sl = lows <= stop[:, None]
    else:
        hit_tp = lows <= take[:, None]
        hit_sl = highs >= stop[:, None]
    never = highs.shape[1] + 1
    first_tp = np.where(hit_tp.any(axis=1), hit_tp.argmax(axis=1), never)
    first_sl = np.where(hit_sl.any(axis=1), hit_sl.argmax(axis=1), never)
    code = np.where(first_tp < first_sl, TP_FIRST, np.where(first_sl < never, SL_FIRST, NEITHER))
    complete = ~np.isnan(highs).any(axis=1) & ~np.isnan(stop)
    return np.where(complete, code, np.nan)


def build_labels(bars: pd.DataFrame, horizon: int = 18, sl_atr_multiple: float = 1.0) -> pd.DataFrame:
    """Every target of TARGETS for every bar; NaN where the future is incomplete or ATR warms up."""
    if horizon < 1:
        raise ValueError("horizon must be >= 1")
    h, lo, c = (bars[k].to_numpy(dtype=np.float64) for k in ("high", "low", "close"))
    fut_h = _future_windows(h, horizon)
    fut_l = _future_windows(lo, horizon)
    with np.errstate(invalid="ignore"):
        out: dict[str, Array] = {
            "delta_high": fut_h.max(axis=1) / c - 1.0,
            "delta_low": fut_l.min(axis=1) / c - 1.0,
        }
    risk = sl_atr_multiple * ind.atr(h, lo, c, 14)
    for t in TPSL_TARGETS:
        sign = 1.0 if t.direction == "long" else -1.0
        stop = c - sign * risk
        take = c + sign * t.rr * risk
        code = first_touch_outcome(stop, take, fut_h, fut_l, long=t.direction == "long")
        out[t.name] = np.where(np.isnan(code), np.nan, (code == TP_FIRST).astype(np.float64))
        out[sl_target(t.direction, t.rr).name] = np.where(
            np.isnan(code), np.nan, (code == SL_FIRST).astype(np.float64)
        )
    return pd.DataFrame(out, index=bars.index)
