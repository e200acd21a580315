"""Training: XGBoost (hist) on a time-ordered split with a purge gap, metrics on held-out data.

Rows are split in time order into train / validation / test (no shuffle). Between consecutive
parts `purge` rows are dropped (at least the horizon), so no training label window overlaps the
bars that validation or test rows are scored on. Early stopping watches the validation part only;
the test part is touched once, for the reported metrics and the ONNX parity check.

Each classifier's probabilities are calibrated on the validation part (Platt scaling, see
`calibration.py`); the maps travel with the model version and are applied when it serves. The
promotion gate (`gate.py`) judges the model on a walk-forward of several folds, not on this split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb
from numpy.typing import NDArray

from svc_inference import metrics as m
from svc_inference.calibration import apply_platt, expected_calibration_error, fit_platt
from svc_inference.features import FEATURE_NAMES, build_features, to_utc_index
from svc_inference.labels import RANGE_TARGETS, SL_TARGETS, TARGETS, TPSL_TARGETS, build_labels


@dataclass(frozen=True)
class TrainParams:
    """XGBoost and split settings; the same values and seed give the same models."""

    horizon: int = 18
    sl_atr_multiple: float = 1.0
    n_estimators: int = 300
    max_depth: int = 6
    learning_rate: float = 0.05
    early_stopping_rounds: int = 30
    seed: int = 42
    n_jobs: int = 2
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)


@dataclass
class Dataset:
    """Complete rows only: features (float32) and every target, in time order."""

    ts: pd.Series
    X: NDArray[np.float32]
    y: dict[str, NDArray[np.float64]]


@dataclass(frozen=True)
class Split:
    train: slice
    val: slice
    test: slice


@dataclass
class TrainedModels:
    """What training hands to export and the registry."""

    models: dict[str, Any]
    params: TrainParams
    metrics: dict[str, Any]
    feature_names: tuple[str, ...]
    X_test: NDArray[np.float32]
    windows: dict[str, datetime] = field(default_factory=dict)
    calibration: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Platt (a, b) per classifier output, fitted on the validation part."""


def make_dataset(bars: pd.DataFrame, horizon: int, sl_atr_multiple: float = 1.0) -> Dataset:
    feats = build_features(bars)
    labels = build_labels(bars, horizon, sl_atr_multiple)
    complete = feats.notna().all(axis=1) & labels.notna().all(axis=1)
    return Dataset(
        ts=pd.Series(to_utc_index(bars["ts"]))[complete.to_numpy()].reset_index(drop=True),
        X=feats[complete].to_numpy(dtype=np.float32),
        y={t.name: labels.loc[complete, t.name].to_numpy(dtype=np.float64) for t in TARGETS},
    )


def time_split(n: int, purge: int, fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)) -> Split:
    """Contiguous train, validation and test parts, `purge` rows dropped before val and test."""
    n_train = int(n * fractions[0])
    n_val = int(n * fractions[1])
    val_start = n_train + purge
    test_start = val_start + n_val + purge
    if test_start >= n - 10 or n_train < 50:
        raise ValueError(f"too few rows ({n}) for a split with a purge gap of {purge}")
    return Split(slice(0, n_train), slice(val_start, val_start + n_val), slice(test_start, n))


def _new_model(kind: str, p: TrainParams) -> Any:
    common = {
        "tree_method": "hist",
        "n_estimators": p.n_estimators,
        "max_depth": p.max_depth,
        "learning_rate": p.learning_rate,
        "early_stopping_rounds": p.early_stopping_rounds,
        "random_state": p.seed,
        "n_jobs": p.n_jobs,
        "subsample": 0.9,
        "colsample_bytree": 0.9,
    }
    if kind == "range":
        return xgb.XGBRegressor(objective="reg:squarederror", eval_metric="mae", **common)
    return xgb.XGBClassifier(objective="binary:logistic", eval_metric="logloss", **common)


def predict_native(model: Any, X: NDArray[np.float32]) -> NDArray[np.float64]:
    """The model's output as served: the value for regressors, P(take-profit first) for classifiers."""
    if isinstance(model, xgb.XGBClassifier):
        return np.asarray(model.predict_proba(X)[:, 1], dtype=np.float64)
    return np.asarray(model.predict(X), dtype=np.float64)


def fit_models(
    X_tr: NDArray[np.float32],
    y_tr: dict[str, NDArray[np.float64]],
    X_va: NDArray[np.float32],
    y_va: dict[str, NDArray[np.float64]],
    p: TrainParams,
) -> tuple[dict[str, Any], dict[str, tuple[float, float]]]:
    """Every target's model, early-stopped on the validation rows, and the classifiers' Platt maps
    fitted on those same rows."""
    models: dict[str, Any] = {}
    maps: dict[str, tuple[float, float]] = {}
    for t in TARGETS:
        model = _new_model(t.kind, p)
        model.fit(X_tr, y_tr[t.name], eval_set=[(X_va, y_va[t.name])], verbose=False)
        models[t.name] = model
        if t.kind == "tpsl":
            maps[t.name] = fit_platt(predict_native(model, X_va), y_va[t.name])
    return models, maps


def _classifier_metrics(yt: NDArray[np.float64], pt: NDArray[np.float64], ab: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "auc": m.auc(yt, pt),
        "brier": m.brier(yt, pt),
        "base_rate": float(yt.mean()),
        "calibration": m.calibration_bins(yt, pt),
    }
    if ab is not None:
        pc = apply_platt(pt, ab)
        out["brier_calibrated"] = m.brier(yt, pc)
        out["ece_calibrated"] = expected_calibration_error(yt, pc)
        out["calibration_calibrated"] = m.calibration_bins(yt, pc)
    return out


def evaluate(
    models: dict[str, Any],
    X: NDArray[np.float32],
    y: dict[str, NDArray[np.float64]],
    calibration: dict[str, tuple[float, float]] | None = None,
) -> dict[str, Any]:
    maps = calibration or {}
    preds = {name: predict_native(model, X) for name, model in models.items()}
    out: dict[str, Any] = {"test_rows": int(X.shape[0])}
    for t in RANGE_TARGETS:
        out[t.name] = {"mae": m.mae(y[t.name], preds[t.name]), "r2": m.r2(y[t.name], preds[t.name])}
    out["directional_accuracy"] = m.directional_accuracy(
        y["delta_high"], y["delta_low"], preds["delta_high"], preds["delta_low"]
    )
    classifiers = {}
    for t in TPSL_TARGETS:
        classifiers[t.name] = {
            "direction": t.direction,
            "rr": t.rr,
            **_classifier_metrics(y[t.name], preds[t.name], maps.get(t.name)),
        }
    out["classifiers"] = classifiers
    out["sl_classifiers"] = {
        t.name: {"direction": t.direction, "rr": t.rr, **_classifier_metrics(y[t.name], preds[t.name], None)}
        for t in SL_TARGETS
        if t.name in preds
    }
    out["mae"] = float(np.mean([out[t.name]["mae"] for t in RANGE_TARGETS]))
    out["r2"] = float(np.mean([out[t.name]["r2"] for t in RANGE_TARGETS]))
    out["auc"] = float(np.mean([c["auc"] for c in classifiers.values()]))
    out["brier"] = float(np.mean([c["brier"] for c in classifiers.values()]))
    return out


def train_models(bars: pd.DataFrame, params: TrainParams | None = None) -> TrainedModels:
    """Train the two range regressors and the four TP-before-SL classifiers on `bars`."""
    p = params or TrainParams()
    data = make_dataset(bars, p.horizon, p.sl_atr_multiple)
    split = time_split(len(data.X), purge=p.horizon, fractions=p.fractions)
    X_tr, X_va, X_te = data.X[split.train], data.X[split.val], data.X[split.test]
    models, maps = fit_models(
        X_tr,
        {name: v[split.train] for name, v in data.y.items()},
        X_va,
        {name: v[split.val] for name, v in data.y.items()},
        p,
    )
    test_y = {name: v[split.test] for name, v in data.y.items()}
    ts = data.ts
    windows = {
        "train_start": ts.iloc[split.train.start].to_pydatetime(),
        "train_end": ts.iloc[split.train.stop - 1].to_pydatetime(),
        "test_start": ts.iloc[split.test.start].to_pydatetime(),
        "test_end": ts.iloc[len(ts) - 1].to_pydatetime(),
    }
    metrics = evaluate(models, X_te, test_y, maps)
    metrics["calibration_maps"] = {name: list(ab) for name, ab in maps.items()}
    return TrainedModels(
        models=models,
        params=p,
        metrics=metrics,
        feature_names=FEATURE_NAMES,
        X_test=X_te,
        windows=windows,
        calibration=maps,
    )


def beats(candidate: dict[str, Any], champion: dict[str, Any] | None) -> bool:
    """The promotion rule (metrics as registered): the candidate passed its walk-forward gate,
    and, when the champion passed one too, it was at least as good as the champion on the same
    rows (`gate.vs_champion`, measured at registration). No champion is no free pass."""
    gate = candidate.get("gate") or {}
    if not gate.get("passed"):
        return False
    if champion is None or not (champion.get("gate") or {}).get("passed"):
        return True
    versus = gate.get("vs_champion") or {}
    return bool(versus.get("rows", 0) > 0 and versus.get("brier_gain", -1.0) >= 0.0)
