"""The promotion gate: a model serves as champion only if it beats simple baselines out of sample.

Walk-forward over `folds` folds: the rows after the first `first_train_fraction` are cut into
`folds` consecutive test blocks; fold k trains on every row before its block (less a purge of
`horizon` rows), the last `val_fraction` of those (after another purge) stopping the boosting and
fitting the Platt maps, and scores its block. The baselines are fitted on the same training rows
and scored on the same test rows:

- range: the training mean of each excursion (MAE);
- direction: the training majority of "the up excursion is the larger" (accuracy);
- classifiers: the constant training base rate, and a logistic regression on four features
  (volatility_20, atr_norm, time of day as sin/cos) — what volatility and the clock alone tell
  (Brier, the model's calibrated probabilities).

For each comparison the per-row gain (baseline loss − model loss) is pooled over the folds and a
moving-block bootstrap (blocks of `horizon` rows: neighbouring label windows overlap) gives its
confidence interval. The gate passes when every interval lies above zero and the calibrated
probabilities are calibrated out of sample: the mean expected calibration error, less what
sampling alone gives a perfectly calibrated model on as many rows, at most `max_ece`.
Nothing here is tuned on the rows it judges: the folds are the only judge.

The same out-of-sample rows also give each strategy's promise (`promise.py`): the mean R of the
trades its rule takes there, with an interval, which the live scorecard's drift alarm compares
with what the model's signals really earn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from svc_inference import metrics as m
from svc_inference.calibration import apply_platt, expected_calibration_error, sampling_ece
from svc_inference.features import FEATURE_NAMES
from svc_inference.labels import CLASSIFIER_TARGETS, RANGE_TARGETS
from svc_inference.promise import promise
from svc_inference.training import Dataset, TrainParams, fit_models, predict_native

Array = NDArray[np.float64]
LOGISTIC_FEATURES = ("volatility_20", "atr_norm", "tod_sin", "tod_cos")


@dataclass(frozen=True)
class GateParams:
    """How the walk-forward judges a model; fixed before any data is seen."""

    folds: int = 4
    first_train_fraction: float = 0.5
    val_fraction: float = 0.2
    bootstrap: int = 400
    confidence: float = 0.95
    max_ece: float = 0.03
    seed: int = 42


@dataclass
class GateResult:
    """The figures, JSON-ready, stored with the version (`metrics.gate`)."""

    figures: dict[str, Any]

    @property
    def passed(self) -> bool:
        return bool(self.figures["passed"])


def fit_logistic(X: Array, y: Array, *, l2: float = 1.0, iterations: int = 30) -> Array:
    """Weights (standardised features + intercept) of an L2 logistic regression, Newton steps."""
    mu, sd = X.mean(axis=0), X.std(axis=0) + 1e-12
    Z = np.column_stack([(X - mu) / sd, np.ones(len(X))])
    w = np.zeros(Z.shape[1])
    reg = l2 * np.eye(Z.shape[1])
    reg[-1, -1] = 0.0
    for _ in range(iterations):
        q = 1.0 / (1.0 + np.exp(-np.clip(Z @ w, -35, 35)))
        grad = Z.T @ (q - y) + reg @ w
        hess = (Z * (q * (1 - q))[:, None]).T @ Z + reg + 1e-9 * np.eye(Z.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    return np.concatenate([w, mu, sd])


def predict_logistic(params: Array, X: Array) -> Array:
    k = X.shape[1]
    w, mu, sd = params[: k + 1], params[k + 1 : 2 * k + 1], params[2 * k + 1 :]
    z = ((X - mu) / sd) @ w[:k] + w[k]
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -35, 35))), dtype=np.float64)


def block_bootstrap_ci(
    gain: Array, *, block: int, n: int, confidence: float, rng: np.random.Generator
) -> tuple[float, float, float]:
    """(mean, lower, upper) of the mean of `gain`, moving-block bootstrap."""
    size = gain.size
    if size == 0:
        return 0.0, 0.0, 0.0
    block = max(1, min(block, size))
    starts_max = size - block + 1
    per = -(-size // block)
    cumsum = np.concatenate([[0.0], np.cumsum(gain)])
    starts = rng.integers(0, starts_max, size=(n, per))
    sums = (cumsum[starts + block] - cumsum[starts]).sum(axis=1)
    means = sums / (per * block)
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
    return float(gain.mean()), float(lo), float(hi)


@dataclass(frozen=True)
class _Fold:
    fit: slice
    val: slice
    test: slice


def folds_of(n: int, purge: int, g: GateParams) -> list[_Fold]:
    first_test = int(n * g.first_train_fraction)
    edges = np.linspace(first_test, n, g.folds + 1).astype(int)
    out = []
    for k in range(g.folds):
        train_end = int(edges[k]) - purge
        val_start = train_end - int(train_end * g.val_fraction)
        fit_end = val_start - purge
        if fit_end < 100 or edges[k + 1] - edges[k] < 20:
            raise ValueError(f"too few rows ({n}) for a {g.folds}-fold walk-forward")
        test = slice(int(edges[k]), int(edges[k + 1]))
        out.append(_Fold(slice(0, fit_end), slice(val_start, train_end), test))
    return out


def _fold_gains(data: Dataset, f: _Fold, p: TrainParams, cols: list[int]) -> dict[str, Array]:
    """Per test row: the model's and the baselines' losses, and the calibrated probabilities."""
    y = data.y
    X = data.X
    models, maps = fit_models(
        X[f.fit], {k: v[f.fit] for k, v in y.items()}, X[f.val], {k: v[f.val] for k, v in y.items()}, p
    )
    train = slice(0, f.val.stop)
    Xt = X[f.test]
    out: dict[str, Array] = {}
    range_model, range_base = [], []
    for t in RANGE_TARGETS:
        yt = y[t.name][f.test]
        out[f"pred:{t.name}"] = predict_native(models[t.name], Xt)
        range_model.append(np.abs(yt - out[f"pred:{t.name}"]))
        range_base.append(np.abs(yt - y[t.name][train].mean()))
    out["range_gain"] = np.mean(range_base, axis=0) - np.mean(range_model, axis=0)
    out["atr"] = Xt[:, FEATURE_NAMES.index("atr_norm")].astype(np.float64)
    up_t = y["delta_high"][f.test] > -y["delta_low"][f.test]
    majority_up = bool(np.mean(y["delta_high"][train] > -y["delta_low"][train]) >= 0.5)
    pred_up = predict_native(models["delta_high"], Xt) > -predict_native(models["delta_low"], Xt)
    out["direction_gain"] = (pred_up == up_t).astype(float) - (up_t == majority_up).astype(float)
    Lx_train = X[train][:, cols].astype(np.float64)
    Lx_test = Xt[:, cols].astype(np.float64)
    base_gain, logit_gain = [], []
    for t in CLASSIFIER_TARGETS:
        yt = y[t.name][f.test]
        prob = apply_platt(predict_native(models[t.name], Xt), maps[t.name])
        out[f"p:{t.name}"] = prob
        out[f"y:{t.name}"] = yt
        se_model = (prob - yt) ** 2
        base_gain.append((y[t.name][train].mean() - yt) ** 2 - se_model)
        logit = predict_logistic(fit_logistic(Lx_train, y[t.name][train]), Lx_test)
        out[f"l:{t.name}"] = logit
        logit_gain.append((logit - yt) ** 2 - se_model)
    out["brier_gain_vs_base_rate"] = np.mean(base_gain, axis=0)
    out["brier_gain_vs_logistic"] = np.mean(logit_gain, axis=0)
    return out


COMPARISONS = ("range_gain", "direction_gain", "brier_gain_vs_base_rate", "brier_gain_vs_logistic")


def run_gate(data: Dataset, params: TrainParams, gate: GateParams | None = None) -> GateResult:
    """Walk-forward the model of `params` over `data` and judge it (see the module doc)."""
    g = gate or GateParams()
    folds = folds_of(len(data.X), params.horizon, g)
    cols = [FEATURE_NAMES.index(name) for name in LOGISTIC_FEATURES]
    parts = [_fold_gains(data, f, params, cols) for f in folds]
    pooled = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    rng = np.random.default_rng(g.seed)
    figures: dict[str, Any] = {
        "folds": g.folds,
        "oos_rows": int(pooled["range_gain"].size),
        "confidence": g.confidence,
        "max_ece": g.max_ece,
        "comparisons": {},
        "classifiers": {},
    }
    reasons = []
    for name in COMPARISONS:
        mean, lo, hi = block_bootstrap_ci(
            pooled[name], block=params.horizon, n=g.bootstrap, confidence=g.confidence, rng=rng
        )
        figures["comparisons"][name] = {"mean": mean, "lower": lo, "upper": hi}
        if not lo > 0.0:
            reasons.append(f"{name}: interval [{lo:.3g}, {hi:.3g}] does not exclude zero")
    eces, noise = [], []
    for t in CLASSIFIER_TARGETS:
        yt, pt, lt = pooled[f"y:{t.name}"], pooled[f"p:{t.name}"], pooled[f"l:{t.name}"]
        ece = expected_calibration_error(yt, pt)
        eces.append(ece)
        noise.append(sampling_ece(pt))
        figures["classifiers"][t.name] = {
            "auc": m.auc(yt, pt),
            "auc_logistic": m.auc(yt, lt),
            "brier": m.brier(yt, pt),
            "brier_base_rate": m.brier(yt, np.full_like(yt, yt.mean())),
            "brier_logistic": m.brier(yt, lt),
            "ece": ece,
            "reliability": m.calibration_bins(yt, pt),
        }
    figures["ece"] = float(np.mean(eces))
    figures["ece_sampling"] = float(np.mean(noise))
    if figures["ece"] - figures["ece_sampling"] > g.max_ece:
        reasons.append(
            f"calibration: mean ECE {figures['ece']:.3f} is more than {g.max_ece} above sampling "
            f"noise ({figures['ece_sampling']:.3f})"
        )
    figures["promise"] = promise(pooled, params.sl_atr_multiple, seed=g.seed)
    figures["passed"] = not reasons
    figures["reasons"] = reasons
    return GateResult(figures)


def compare_on_rows(
    y: dict[str, Array], candidate: dict[str, Array], champion: dict[str, Array], *, block: int, seed: int
) -> dict[str, Any]:
    """Candidate vs champion on the same rows: per-row Brier gain (champion − candidate) over the
    classifiers, with its bootstrap interval."""
    names = [t.name for t in CLASSIFIER_TARGETS if t.name in champion and t.name in candidate]
    if not names or y[names[0]].size == 0:
        return {"rows": 0}
    gain = np.mean([(champion[n] - y[n]) ** 2 - (candidate[n] - y[n]) ** 2 for n in names], axis=0)
    rng = np.random.default_rng(seed)
    mean, lo, hi = block_bootstrap_ci(gain, block=block, n=400, confidence=0.95, rng=rng)
    return {"rows": int(gain.size), "brier_gain": mean, "lower": lo, "upper": hi}
