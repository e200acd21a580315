"""Figures of a list of trades in R: totals, drawdown, the long/short split, bootstrap intervals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from svc_inference.fills import Trade

BOOTSTRAP_RESAMPLES = 2000


def r_stats(r: np.ndarray) -> dict[str, float]:
    """Trades, win rate, average and total R, profit factor, max drawdown in R, expectancy."""
    if r.size == 0:
        return {
            "trades": 0,
            "win_rate": 0.0,
            "avg_r": 0.0,
            "total_r": 0.0,
            "profit_factor": 0.0,
            "max_drawdown_r": 0.0,
            "expectancy_r": 0.0,
        }
    wins, losses = r[r > 0], r[r <= 0]
    equity = np.concatenate(([0.0], np.cumsum(r)))
    gross_loss = -losses.sum()
    win_rate = wins.size / r.size
    return {
        "trades": float(r.size),
        "win_rate": win_rate,
        "avg_r": float(r.mean()),
        "total_r": float(r.sum()),
        "profit_factor": float(wins.sum() / gross_loss) if gross_loss > 0 else float("inf"),
        "max_drawdown_r": float(np.max(np.maximum.accumulate(equity) - equity)),
        "expectancy_r": float(
            win_rate * (wins.mean() if wins.size else 0.0)
            + (1 - win_rate) * (losses.mean() if losses.size else 0.0)
        ),
    }


def bootstrap_ci(
    r: np.ndarray, *, seed: int = 0, level: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES
) -> dict[str, list[float]]:
    """Percentile intervals of average R, total R and win rate, resampling trades with replacement.

    Trades are treated as exchangeable (no serial dependence): a first look, not a block bootstrap."""
    if r.size < 2:
        return {}
    rng = np.random.default_rng(seed)
    sample = r[rng.integers(0, r.size, size=(resamples, r.size))]
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    mean = sample.mean(axis=1)
    win = (sample > 0).mean(axis=1)
    return {
        "avg_r_ci": [float(np.percentile(mean, lo)), float(np.percentile(mean, hi))],
        "total_r_ci": [float(np.percentile(mean * r.size, lo)), float(np.percentile(mean * r.size, hi))],
        "win_rate_ci": [float(np.percentile(win, lo)), float(np.percentile(win, hi))],
    }


def summarise(trades: Sequence[Trade], *, seed: int = 0) -> dict[str, Any]:
    """r_stats, bootstrap intervals, and trades / total R / win rate for each side."""
    r = np.array([t.r for t in trades], dtype=np.float64)
    out: dict[str, Any] = {**r_stats(r), **bootstrap_ci(r, seed=seed)}
    for side in ("LONG", "SHORT"):
        rs = np.array([t.r for t in trades if t.side == side], dtype=np.float64)
        key = side.lower()
        out[f"{key}_trades"] = int(rs.size)
        out[f"{key}_total_r"] = float(rs.sum())
        out[f"{key}_win_rate"] = float((rs > 0).mean()) if rs.size else 0.0
    out["exit_reasons"] = {
        reason: sum(t.exit_reason == reason for t in trades) for reason in _reasons(trades)
    }
    return out


def _reasons(trades: Sequence[Trade]) -> list[str]:
    return sorted({t.exit_reason for t in trades})
