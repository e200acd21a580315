"""The walk-forward's promise: each strategy's rule on out-of-sample rows, scored by their labels."""

from __future__ import annotations

import numpy as np

from svc_inference.labels import CLASSIFIER_TARGETS
from svc_inference.promise import promise, strategy_r
from svc_inference.signals import STRATEGIES


def _pooled(rows: list[tuple[float, float, str]]) -> dict[str, np.ndarray]:
    """Rows of (P(long 2:1 target first), P(long 2:1 stop first), what came first: tp, sl, neither);
    every other trade is hopeless."""
    n = len(rows)
    pooled = {
        "pred:delta_high": np.full(n, 0.01),
        "pred:delta_low": np.full(n, -0.01),
        "atr": np.full(n, 0.001),
    }
    for t in CLASSIFIER_TARGETS:
        pooled[f"p:{t.name}"] = np.full(n, 0.9 if t.name.startswith("sl_first") else 0.0)
        pooled[f"y:{t.name}"] = np.zeros(n)
    for i, (p_tp, p_sl, first) in enumerate(rows):
        pooled["p:tp_first_long_rr2"][i] = p_tp
        pooled["p:sl_first_long_rr2"][i] = p_sl
        if first == "tp":
            pooled["y:tp_first_long_rr2"][i] = 1.0
        elif first == "sl":
            pooled["y:sl_first_long_rr2"][i] = 1.0
    return pooled


def test_each_taken_trade_scores_its_label_in_r() -> None:
    pooled = _pooled([(0.9, 0.05, "tp"), (0.9, 0.05, "sl"), (0.9, 0.05, "neither"), (0.1, 0.8, "tp")])
    r = strategy_r(pooled, STRATEGIES["aggressive_filter"], 1.0)
    assert r.tolist() == [2.0, -1.0, 0.0]  # the fourth row is no trade


def test_the_promise_has_each_strategys_mean_and_interval() -> None:
    pooled = _pooled([(0.9, 0.05, "tp" if i % 3 else "sl") for i in range(30)])
    figures = promise(pooled, 1.0)
    assert set(figures) == set(STRATEGIES)
    aggressive = figures["aggressive_filter"]
    assert aggressive["trades"] == 30
    assert aggressive["mean_r"] == (20 * 2.0 - 10) / 30
    assert aggressive["lower"] <= aggressive["mean_r"] <= aggressive["upper"]
