"""Held-out metrics for the range regressors and the TP-before-SL classifiers (numpy only)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def mae(y: Array, p: Array) -> float:
    return float(np.mean(np.abs(y - p)))


def r2(y: Array, p: Array) -> float:
    total = float(np.sum((y - y.mean()) ** 2))
    return 0.0 if total == 0.0 else 1.0 - float(np.sum((y - p) ** 2)) / total


def auc(y: Array, p: Array) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half); 0.5 when one class is missing."""
    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return 0.5
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(p.size)
    sorted_p = p[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_p, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def brier(y: Array, p: Array) -> float:
    return float(np.mean((p - y) ** 2))


def calibration_bins(y: Array, p: Array, bins: int = 10) -> list[dict[str, float]]:
    """Per probability decile: mean predicted probability, observed rate and row count."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    out = []
    for b in range(bins):
        mask = idx == b
        n = int(mask.sum())
        out.append(
            {
                "lower": float(edges[b]),
                "upper": float(edges[b + 1]),
                "mean_predicted": float(p[mask].mean()) if n else 0.0,
                "observed_rate": float(y[mask].mean()) if n else 0.0,
                "count": float(n),
            }
        )
    return out


def directional_accuracy(high: Array, low: Array, pred_high: Array, pred_low: Array) -> float:
    """Share of rows where the predicted larger excursion (up vs down) is the actual larger one."""
    actual_up = high > -low
    predicted_up = pred_high > -pred_low
    return float(np.mean(actual_up == predicted_up))
