"""The ML pipeline on real market bars: backtesting.py's hourly EURUSD (5,000 bars, 2017-2018).

Nothing here tunes anything: default TrainParams and GateParams, fixed before these bars were
looked at. It prints the held-out split metrics and the walk-forward gate's verdict, the figures
docs/ml.md reports beside the seed's claims. Several minutes of CPU (five trainings of ten models).

Run: .venv/bin/python -m bench.real_bars_eurusd   (needs the dev extra `backtesting`)
"""

from __future__ import annotations

import time

import pandas as pd

from svc_inference.gate import run_gate
from svc_inference.training import TrainParams, make_dataset, train_models


def eurusd_bars() -> pd.DataFrame:
    from backtesting.test import EURUSD

    frame = EURUSD.reset_index()
    frame.columns = ["ts", "open", "high", "low", "close", "volume"]
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame


def main() -> None:
    bars = eurusd_bars()
    print(f"{len(bars)} hourly EURUSD bars, {bars['ts'].iloc[0]} .. {bars['ts'].iloc[-1]}")
    params = TrainParams()
    started = time.perf_counter()
    m = train_models(bars, params).metrics
    print(f"split test ({m['test_rows']} rows): R² {m['r2']:.3f} (high {m['delta_high']['r2']:.3f}, "
          f"low {m['delta_low']['r2']:.3f}), directional accuracy {m['directional_accuracy']:.3f}, "
          f"mean AUC {m['auc']:.3f}")  # fmt: skip
    for name, c in m["classifiers"].items():
        print(f"  {name}: AUC {c['auc']:.3f}, Brier {c['brier']:.4f} raw / {c['brier_calibrated']:.4f} "
              f"calibrated, base rate {c['base_rate']:.3f}")  # fmt: skip
    g = run_gate(make_dataset(bars, params.horizon), params).figures
    print(f"gate: passed={g['passed']}, {g['folds']} folds, {g['oos_rows']} out-of-sample rows, "
          f"ECE {g['ece']:.3f} (sampling {g['ece_sampling']:.3f})")  # fmt: skip
    for name, c in g["comparisons"].items():
        print(f"  {name}: {c['mean']:+.5f} [{c['lower']:+.5f}, {c['upper']:+.5f}]")
    for name, c in g["classifiers"].items():
        print(f"  {name}: AUC {c['auc']:.3f} vs logistic {c['auc_logistic']:.3f}; Brier {c['brier']:.4f} "
              f"vs base rate {c['brier_base_rate']:.4f} vs logistic {c['brier_logistic']:.4f}")  # fmt: skip
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
