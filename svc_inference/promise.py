"""The walk-forward's promise: what each strategy's trades earned on the gate's out-of-sample rows.

The promotion gate's folds give, for every held-out row, the calibrated probabilities and the
predicted range of a model that never saw that row. Each strategy's own rule (`signals.decide`)
runs on them as it would live, and the trade it picks is scored with the row's labels: the target
first is +R:R, the stop first is -1 R, neither within the horizon 0 R (the expected-R rule's
reading of an expiry). Prices are relative (close 1, ATR = `atr_norm`), so costs are not known
here: the figures are before costs, and the live scorecard compares them with its own R before
costs. Stored with the version (`metrics.gate.promise`) for the scorecard's drift alarm.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from svc_inference.labels import CLASSIFIER_TARGETS, RANGE_TARGETS, sl_target, tpsl_target
from svc_inference.prediction import from_outputs
from svc_inference.scorecard import mean_ci
from svc_inference.signals import LONG, NONE, STRATEGIES, Strategy, decide

Array = NDArray[np.float64]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OUTPUTS = [t.name for t in RANGE_TARGETS] + [t.name for t in CLASSIFIER_TARGETS]


def _trade_r(y: dict[str, Array], i: int, direction: str, rr: float) -> float:
    if y[tpsl_target(direction, rr).name][i] > 0.5:
        return rr
    if y[sl_target(direction, rr).name][i] > 0.5:
        return -1.0
    return 0.0


def strategy_r(pooled: dict[str, Array], strategy: Strategy, sl_atr_multiple: float) -> NDArray[np.float64]:
    """R of every trade `strategy` takes over the pooled out-of-sample rows, in row order.

    `pooled` holds `pred:<range target>`, `p:<classifier>` (calibrated), `y:<classifier>` and
    `atr` (the `atr_norm` feature) per row."""
    outputs = np.column_stack(
        [pooled[f"pred:{n}"] if n.startswith("delta") else pooled[f"p:{n}"] for n in OUTPUTS]
    )
    y = {t.name: pooled[f"y:{t.name}"] for t in CLASSIFIER_TARGETS}
    r = []
    for i in range(outputs.shape[0]):
        pred = from_outputs(
            outputs[i],
            OUTPUTS,
            symbol="",
            timeframe="",
            horizon=0,
            close=1.0,
            atr=float(pooled["atr"][i]),
            amd_phase=0,
            model_name="",
            model_version=0,
            bar_time=_EPOCH,
            created_at=_EPOCH,
        )
        d = decide(pred, strategy, sl_atr_multiple)
        if d.direction != NONE:
            r.append(_trade_r(y, i, "long" if d.direction == LONG else "short", d.rr_ratio))
    return np.asarray(r, dtype=np.float64)


def promise(pooled: dict[str, Array], sl_atr_multiple: float, *, seed: int = 0) -> dict[str, dict[str, Any]]:
    """Per strategy: trades, mean R before costs and its 95% bootstrap interval."""
    out: dict[str, dict[str, Any]] = {}
    for name, strategy in STRATEGIES.items():
        r = strategy_r(pooled, strategy, sl_atr_multiple)
        lo, hi = mean_ci(r, seed=seed)
        out[name] = {
            "trades": int(r.size),
            "mean_r": float(r.mean()) if r.size else 0.0,
            "lower": lo,
            "upper": hi,
        }
    return out
