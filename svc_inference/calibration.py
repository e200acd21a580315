"""Probability calibration: Platt scaling fitted on validation rows, applied at serving.

A tree ensemble's probabilities are scores: the share of wins among rows given 0.6 need not be
0.6. Platt scaling fits `p' = sigmoid(a * logit(p) + b)` by maximum likelihood on rows the trees
were not fitted on (the validation part that also stops the boosting), which keeps the ranking
(AUC) and corrects the level and the spread. Two numbers per classifier, stored with the model
version and applied to every prediction it serves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
EPS = 1e-6
IDENTITY = (1.0, 0.0)


def _logit(p: Array) -> Array:
    q = np.clip(p, EPS, 1.0 - EPS)
    return np.asarray(np.log(q / (1.0 - q)), dtype=np.float64)


def _sigmoid(z: Array) -> Array:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0))), dtype=np.float64)


def fit_platt(p: Array, y: Array, *, l2: float = 1e-3, iterations: int = 50) -> tuple[float, float]:
    """(a, b) maximising the likelihood of y under sigmoid(a * logit(p) + b) (Newton steps).

    With one class only (or too few rows) the identity is kept: there is nothing to learn."""
    if y.size < 20 or y.min() == y.max():
        return IDENTITY
    x = _logit(p)
    w = np.array([1.0, 0.0])
    design = np.column_stack([x, np.ones_like(x)])
    for _ in range(iterations):
        q = _sigmoid(design @ w)
        grad = design.T @ (q - y) + l2 * w
        hess = (design * (q * (1 - q))[:, None]).T @ design + l2 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.max(np.abs(step))) < 1e-9:
            break
    return float(w[0]), float(w[1])


def apply_platt(p: Array, ab: Sequence[float]) -> Array:
    return _sigmoid(ab[0] * _logit(p) + ab[1])


def calibrate_outputs(
    out: NDArray[np.float32], outputs: Sequence[str], maps: Mapping[str, Sequence[float]]
) -> NDArray[np.float32]:
    """The bundle's output rows with every mapped classifier column calibrated (a copy)."""
    if not maps:
        return out
    fixed = np.array(out, dtype=np.float32, copy=True)
    for j, name in enumerate(outputs):
        ab = maps.get(name)
        if ab is not None:
            fixed[:, j] = apply_platt(fixed[:, j].astype(np.float64), ab)
    return fixed


def sampling_ece(p: Array, bins: int = 10) -> float:
    """The ECE a perfectly calibrated model would still show on these rows, from sampling alone:
    per bin E|mean of n Bernoulli(p) - p| ~ 0.8 x sqrt(p(1-p)/n), weighted by rows."""
    if p.size == 0:
        return 0.0
    idx = np.clip((p * bins).astype(np.int64), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        n = int(mask.sum())
        if n:
            q = float(p[mask].mean())
            total += n * 0.7979 * np.sqrt(q * (1.0 - q) / n)
    return total / p.size


def expected_calibration_error(y: Array, p: Array, bins: int = 10) -> float:
    """Row-weighted mean |mean predicted - observed rate| over equal-width probability bins."""
    if y.size == 0:
        return 0.0
    idx = np.clip((p * bins).astype(np.int64), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        n = int(mask.sum())
        if n:
            total += n * abs(float(p[mask].mean()) - float(y[mask].mean()))
    return total / y.size
