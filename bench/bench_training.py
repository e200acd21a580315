"""Training and walk-forward time on simulated bars (the figure the issue asks for is 100,000 bars).

Run: `.venv/bin/python -m bench.bench_training [--bars 100000] [--folds 4] [--no-baseline] [--gate]
[--no-walk-forward] [--no-train]`. `--gate` also times the promotion gate's walk-forward
(`gate.run_gate`, what `trading train` adds to the training).
Default 5,000 bars and 2 folds, so a plain run stays short on a small machine. Prints each step's time and
per-1,000-bar rates; the baseline beside the walk-forward is the same walk-forward without the
refit on the whole training window (what the backtest did before), so the ratio is the refit's cost.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from svc_inference.backtest import walk_forward
from svc_inference.export import export_bundle
from svc_inference.features import build_features
from svc_inference.gate import GateParams, run_gate
from svc_inference.labels import build_labels
from svc_inference.signals import strategy_named
from svc_inference.training import TrainParams, make_dataset, train_models
from tests.simulated_bars import simulate_bars


def _timed(label: str, fn: Callable[[], Any], per: int) -> tuple[float, Any]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"{label:<58} {took:>8.2f} s wall {cpu:>8.2f} s CPU   {took / per * 1000:>7.3f} s wall per 1,000 bars"
    )
    return took, out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bars", type=int, default=5_000)
    ap.add_argument("--folds", type=int, default=2)
    ap.add_argument("--train-bars", type=int, default=None, help="per fold (default: half the bars)")
    ap.add_argument("--trees", type=int, default=300, help="n_estimators before early stopping")
    ap.add_argument("--jobs", type=int, default=2, help="XGBoost threads")
    ap.add_argument("--no-baseline", action="store_true", help="skip the walk-forward without refit")
    ap.add_argument("--gate", action="store_true", help="also time the promotion gate's walk-forward")
    ap.add_argument("--no-walk-forward", action="store_true", help="skip the backtest's walk-forward")
    ap.add_argument("--no-train", action="store_true", help="skip training and export")
    args = ap.parse_args(argv)
    n = args.bars
    p = replace(TrainParams(), n_estimators=args.trees, n_jobs=args.jobs)
    train_bars = args.train_bars or n // 2
    bars = simulate_bars(n, seed=8)
    print(
        f"{n} simulated 5-minute bars; {os.cpu_count()} CPUs, XGBoost n_jobs={p.n_jobs}, depth {p.max_depth}"
    )
    _timed("features + labels", lambda: (build_features(bars), build_labels(bars, p.horizon)), n)
    if not args.no_train:
        _, trained = _timed("train the ten models (early stopping)", lambda: train_models(bars, p), n)
        trees = {k: m.best_iteration + 1 for k, m in trained.models.items()}
        print(f"{'':<58} trees kept: {trees}")
        _timed("export + ONNX parity check", lambda: export_bundle(trained), n)
    if args.gate:
        data = make_dataset(bars, p.horizon, p.sl_atr_multiple)
        _, judged = _timed(f"promotion gate, {GateParams().folds} folds", lambda: run_gate(data, p), n)
        print(f"{'':<58} passed: {judged.passed}, out-of-sample rows: {judged.figures['oos_rows']}")
    if args.no_walk_forward:
        return
    strategy = strategy_named("aggressive_filter")

    def run(refit: bool) -> Any:
        return walk_forward(bars, strategy, params=p, train_bars=train_bars, folds=args.folds, refit=refit)

    label = f"walk-forward, {args.folds} folds x {train_bars} train bars"
    with_refit, report = _timed(f"{label}, refit", lambda: run(True), n)
    print(f"{'':<58} strategy trades: {len(report.trades)}")
    if not args.no_baseline:
        without, _ = _timed(f"{label}, no refit (baseline)", lambda: run(False), n)
        print(f"{'refit / no refit':<58} {with_refit / without:>8.2f}x")


if __name__ == "__main__":
    main()
