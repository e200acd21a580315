"""Indicator sets over candles: the shared quant.indicators applied to a symbol's bars."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from quant import indicators as ind
from quant.bars import Bars

# Enough history for every indicator's warm-up (SMA 50, MACD 26+9) plus EMA convergence.
WARMUP_BARS = 250
SERIES = (
    "sma_10",
    "sma_20",
    "sma_50",
    "ema_12",
    "ema_26",
    "rsi_14",
    "macd",
    "macd_signal",
    "macd_hist",
    "atr_14",
    "bb_mid",
    "bb_upper",
    "bb_lower",
)


@dataclass(frozen=True)
class IndicatorPoint:
    """Every indicator at one bar; None inside an indicator's warm-up."""

    ts: int
    close: float
    values: dict[str, float | None]
    amd_phase: int


def indicator_columns(bars: Bars) -> dict[str, np.ndarray]:
    """Each indicator as a float64 column aligned with the bars."""
    close = bars.close
    macd_line, macd_signal, macd_hist = ind.macd(close, 12, 26, 9)
    bb_mid, bb_upper, bb_lower = ind.bollinger(close, 20, 2.0)
    return {
        "sma_10": ind.sma(close, 10),
        "sma_20": ind.sma(close, 20),
        "sma_50": ind.sma(close, 50),
        "ema_12": ind.ema(close, 12),
        "ema_26": ind.ema(close, 26),
        "rsi_14": ind.rsi(close, 14),
        "macd": macd_line,
        "macd_signal": macd_signal,
        "macd_hist": macd_hist,
        "atr_14": ind.atr(bars.high, bars.low, close, 14),
        "bb_mid": bb_mid,
        "bb_upper": bb_upper,
        "bb_lower": bb_lower,
    }


def indicator_points(bars: Bars, points: int) -> list[IndicatorPoint]:
    """The newest ``points`` bars with their indicators, oldest first."""
    if len(bars) == 0:
        return []
    columns = indicator_columns(bars)
    phase = ind.amd_phase(bars.open, bars.high, bars.low, bars.close)
    out = []
    for i in range(max(0, len(bars) - points), len(bars)):
        values = {name: (None if np.isnan(col[i]) else float(col[i])) for name, col in columns.items()}
        out.append(IndicatorPoint(int(bars.ts[i]), float(bars.close[i]), values, int(phase[i])))
    return out
