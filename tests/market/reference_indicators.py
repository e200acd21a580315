"""Textbook indicator definitions as plain loops, the yardstick for quant.indicators."""

from __future__ import annotations

import math

NAN = float("nan")


def sma(x: list[float], n: int) -> list[float]:
    out = [NAN] * len(x)
    for i in range(n - 1, len(x)):
        out[i] = sum(x[i - n + 1 : i + 1]) / n
    return out


def ema(x: list[float], n: int) -> list[float]:
    out = [NAN] * len(x)
    start = next((i for i, v in enumerate(x) if not math.isnan(v)), len(x))
    if start + n > len(x):
        return out
    alpha = 2.0 / (n + 1)
    prev = sum(x[start : start + n]) / n
    out[start + n - 1] = prev
    for i in range(start + n, len(x)):
        prev = alpha * x[i] + (1 - alpha) * prev
        out[i] = prev
    return out


def rsi(close: list[float], n: int) -> list[float]:
    out = [NAN] * len(close)
    if len(close) <= n:
        return out
    gains = [max(close[i] - close[i - 1], 0.0) for i in range(1, len(close))]
    losses = [max(close[i - 1] - close[i], 0.0) for i in range(1, len(close))]
    avg_gain = sum(gains[:n]) / n
    avg_loss = sum(losses[:n]) / n
    for i in range(n, len(close)):
        if i > n:
            avg_gain = (avg_gain * (n - 1) + gains[i - 1]) / n
            avg_loss = (avg_loss * (n - 1) + losses[i - 1]) / n
        if avg_loss == 0:
            out[i] = 50.0 if avg_gain == 0 else 100.0
        else:
            out[i] = 100 - 100 / (1 + avg_gain / avg_loss)
    return out


def true_range(high: list[float], low: list[float], close: list[float]) -> list[float]:
    out = [high[0] - low[0]]
    for i in range(1, len(high)):
        prev = close[i - 1]
        out.append(max(high[i] - low[i], abs(high[i] - prev), abs(low[i] - prev)))
    return out


def atr(high: list[float], low: list[float], close: list[float], n: int) -> list[float]:
    tr = true_range(high, low, close)
    out = [NAN] * len(tr)
    if len(tr) < n:
        return out
    prev = sum(tr[:n]) / n
    out[n - 1] = prev
    for i in range(n, len(tr)):
        prev = (prev * (n - 1) + tr[i]) / n
        out[i] = prev
    return out


def macd(close: list[float], fast: int, slow: int, signal: int) -> tuple[list[float], ...]:
    fast_ema, slow_ema = ema(close, fast), ema(close, slow)
    line = [f - s for f, s in zip(fast_ema, slow_ema, strict=True)]
    sig = ema(line, signal)
    return line, sig, [m - s for m, s in zip(line, sig, strict=True)]


def bollinger(close: list[float], n: int, k: float) -> tuple[list[float], ...]:
    mid = sma(close, n)
    upper, lower = [NAN] * len(close), [NAN] * len(close)
    for i in range(n - 1, len(close)):
        window = close[i - n + 1 : i + 1]
        std = math.sqrt(sum((v - mid[i]) ** 2 for v in window) / n)
        upper[i], lower[i] = mid[i] + k * std, mid[i] - k * std
    return mid, upper, lower
