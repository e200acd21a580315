"""How a backtest trade is filled and resolved on OHLC bars, and what it costs.

A trade decided at the close of bar t:
- enters at the open of bar t+1 (`entry`, the bars' mid price);
- stop `sl = entry - side x risk`, target `tp = entry + side x R:R x risk`;
- walks bars t+1, t+2, ... (at most `horizon` bars). On each bar, in this order:
  1. the open is already through the stop: exit at the open (`sl_gap`; a gap fills at the open,
     not at the stop), through the target: exit at the open (`tp_gap`, a limit order fills at
     the better price);
  2. the bar touches both levels: a loss at the stop (`sl_both`; the order of the touches inside
     one bar is unknown, so the pessimistic one is taken, as in the labels);
  3. the stop alone: `sl` at the stop; the target alone: `tp` at the target;
- still open after `horizon` bars: exit at that bar's close (`timeout`); the data ends first:
  at the last close (`end`).
Costs, in price units, are paid on top of the mid-price move: half the spread of the entry bar's
session, half the spread of the exit bar's session, slippage on each side and the commission
per round trip. R = side x (exit - entry) / risk - costs / risk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

EXIT_REASONS = ("tp", "sl", "tp_gap", "sl_gap", "sl_both", "timeout", "end")


@dataclass(frozen=True)
class Costs:
    """Spread by UTC hour (24 values, price units), slippage per side and commission per round trip."""

    spread_by_hour: tuple[float, ...] = (0.0,) * 24
    slippage: float = 0.0
    commission: float = 0.0

    def __post_init__(self) -> None:
        if len(self.spread_by_hour) != 24:
            raise ValueError("spread_by_hour needs one value per UTC hour (24)")
        if min(self.spread_by_hour) < 0 or self.slippage < 0 or self.commission < 0:
            raise ValueError("costs cannot be negative")

    @classmethod
    def flat(cls, spread: float = 0.0, *, slippage: float = 0.0, commission: float = 0.0) -> Costs:
        return cls((spread,) * 24, slippage, commission)

    def spread_at(self, when: pd.Timestamp) -> float:
        return self.spread_by_hour[when.hour]


@dataclass(frozen=True)
class Order:
    """A decision at the close of bar `t` (a row index of the bars)."""

    t: int
    side: int  # +1 long, -1 short
    rr: float
    risk: float  # stop distance in price units


@dataclass(frozen=True)
class Trade:
    """One filled trade with everything needed to replay it from the bars."""

    signal_time: pd.Timestamp
    entry_time: pd.Timestamp
    side: str  # "LONG" or "SHORT"
    entry: float
    sl: float
    tp: float
    risk: float
    rr_ratio: float
    exit_time: pd.Timestamp
    exit_price: float
    exit_reason: str
    spread_cost: float
    slippage_cost: float
    commission: float
    r: float
    exit_index: int

    @property
    def costs(self) -> float:
        return self.spread_cost + self.slippage_cost + self.commission

    @property
    def sign(self) -> int:
        return 1 if self.side == "LONG" else -1


@dataclass(frozen=True)
class BarArrays:
    """The bars as plain arrays (indexing a DataFrame per bar is far slower)."""

    ts: pd.DatetimeIndex
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray

    @classmethod
    def of(cls, bars: pd.DataFrame) -> BarArrays:
        return cls(
            pd.DatetimeIndex(pd.to_datetime(bars["ts"], utc=True)),
            *(bars[k].to_numpy(dtype=np.float64) for k in ("open", "high", "low", "close")),
        )

    def __len__(self) -> int:
        return len(self.open)


def _exit(b: BarArrays, i: int, side: int, sl: float, tp: float) -> tuple[float, str] | None:
    """The exit on bar i, if any (see the module doc for the order of the checks)."""
    o, h, lo = b.open[i], b.high[i], b.low[i]
    if side > 0:
        if o <= sl:
            return o, "sl_gap"
        if o >= tp:
            return o, "tp_gap"
        hit_sl, hit_tp = lo <= sl, h >= tp
    else:
        if o >= sl:
            return o, "sl_gap"
        if o <= tp:
            return o, "tp_gap"
        hit_sl, hit_tp = h >= sl, lo <= tp
    if hit_sl and hit_tp:
        return sl, "sl_both"
    if hit_sl:
        return sl, "sl"
    if hit_tp:
        return tp, "tp"
    return None


def fill(b: BarArrays, order: Order, horizon: int, costs: Costs) -> Trade:
    """Enter `order` at the next bar's open and resolve it (needs bar t+1 to exist)."""
    side, entry_i = order.side, order.t + 1
    entry = float(b.open[entry_i])
    sl = entry - side * order.risk
    tp = entry + side * order.rr * order.risk
    last = min(order.t + horizon, len(b) - 1)
    exit_i, price, reason = last, float(b.close[last]), "timeout" if order.t + horizon < len(b) else "end"
    for i in range(entry_i, last + 1):
        hit = _exit(b, i, side, sl, tp)
        if hit is not None:
            exit_i, (price, reason) = i, hit
            break
    spread = (costs.spread_at(b.ts[entry_i]) + costs.spread_at(b.ts[exit_i])) / 2.0
    slippage = 2.0 * costs.slippage
    total = spread + slippage + costs.commission
    return Trade(
        signal_time=b.ts[order.t],
        entry_time=b.ts[entry_i],
        side="LONG" if side > 0 else "SHORT",
        entry=entry,
        sl=sl,
        tp=tp,
        risk=order.risk,
        rr_ratio=order.rr,
        exit_time=b.ts[exit_i],
        exit_price=float(price),
        exit_reason=reason,
        spread_cost=spread,
        slippage_cost=slippage,
        commission=costs.commission,
        r=side * (price - entry) / order.risk - total / order.risk,
        exit_index=exit_i,
    )


def fill_one_at_a_time(
    b: BarArrays, orders: Sequence[Order], horizon: int, costs: Costs, busy_until: int = -1
) -> tuple[list[Trade], int]:
    """Fill orders in time order, skipping those decided while a position is open.

    A position that exits on bar k leaves the next decision to the close of bar k at the earliest.
    Returns the trades and the bar the last one exits on."""
    trades: list[Trade] = []
    for order in orders:
        if order.t < busy_until or order.t + 1 >= len(b) or not order.risk > 0:
            continue
        trade = fill(b, order, horizon, costs)
        trades.append(trade)
        busy_until = trade.exit_index
    return trades, busy_until
