"""Scoring the six-model bundle: tree-ensemble form vs tensor form vs native XGBoost, CPU and CUDA.

Run: `.venv/bin/python -m bench.bench_gpu [--rows 1,1024,100000] [--trees 100] [--depth 6]`.
Prints the median time per call and ratios against the tree-ensemble form on the CPU provider
(today's serving); asserts nothing. The CUDA columns appear only where `providers.choose_providers`
finds a working CUDA provider (onnxruntime-gpu, a driver with a device, the CUDA libraries); XGBoost
on CUDA only where its build has CUDA. Times include copying the rows to the device and the outputs
back (what serving pays: it hands numpy arrays to onnxruntime). The tensor form scores large
batches in chunks of `--chunk` rows, which bounds its (trees, rows, nodes) intermediates.
Models: fitted on simulated bars with a fixed number of trees (no early stopping), so the size is
known; the same models give every column.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import onnxruntime as ort
import xgboost as xgb

from svc_inference.export import INPUT_NAME, OUTPUT_NAME, export_bundle
from svc_inference.labels import TARGETS
from svc_inference.providers import CPU, choose_providers
from svc_inference.serving import default_batch_threads, make_session
from svc_inference.tensor_trees import compile_xgboost, score_in_chunks
from svc_inference.training import TrainedModels, TrainParams, make_dataset, predict_native
from tests.simulated_bars import simulate_bars


def _median(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm: allocations, CUDA kernels
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def fit_models(trees: int, depth: int, bars: int) -> tuple[TrainedModels, np.ndarray]:
    data = make_dataset(simulate_bars(bars, seed=5), 18)
    models: dict[str, Any] = {}
    for t in TARGETS:
        cls = xgb.XGBRegressor if t.kind == "range" else xgb.XGBClassifier
        models[t.name] = cls(
            tree_method="hist", n_estimators=trees, max_depth=depth, n_jobs=2, random_state=1
        )
        models[t.name].fit(data.X, data.y[t.name])
    trained = TrainedModels(models, TrainParams(), {}, (), data.X[-1024:])
    return trained, data.X


def _native(boosters: list[xgb.Booster], X: np.ndarray) -> list[Any]:
    return [b.inplace_predict(X) for b in boosters]


def _session(
    model: bytes, providers: tuple[str, ...], rows: int, strict: bool = False
) -> ort.InferenceSession:
    sess = make_session(model, providers, intra_threads=1 if rows == 1 else default_batch_threads())
    if strict:  # fails if any node has no kernel on the first provider
        opts = ort.SessionOptions()
        opts.add_session_config_entry("session.disable_cpu_ep_fallback", "1")
        opts.log_severity_level = 3
        ort.InferenceSession(model, opts, providers=list(providers))
    return sess


def _all_on_cuda(model: bytes, providers: tuple[str, ...]) -> str:
    try:
        _session(model, providers, 1, strict=True)
    except Exception as err:  # onnxruntime names the node without a CUDA kernel
        return f"no ({str(err).splitlines()[0][:100]})"
    return "yes"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1,1024,100000")
    ap.add_argument("--trees", type=int, default=100, help="trees per model (six models)")
    ap.add_argument("--depth", type=int, default=6)
    ap.add_argument("--bars", type=int, default=20_000, help="simulated bars the models are fitted on")
    ap.add_argument("--chunk", type=int, default=8192, help="tensor form: rows per call on large batches")
    args = ap.parse_args(argv)
    rows = [int(r) for r in args.rows.split(",")]
    t0 = time.perf_counter()
    trained, X_all = fit_models(args.trees, args.depth, args.bars)
    fit_s = time.perf_counter() - t0
    trees_bundle = export_bundle(trained).onnx_bytes
    models = list(trained.models.values())
    tensor_bundle, diff = compile_xgboost(models, trained.X_test)
    choice = choose_providers(True)
    print(
        f"six models x {args.trees} trees, depth {args.depth}, fitted in {fit_s:.1f} s on {args.bars} bars;"
    )
    print(f"tensor form vs XGBoost max |diff| {diff:.2g}; CUDA: {choice.gpu} ({choice.why or choice.name})")
    cuda = choice.providers if choice.gpu else None
    if cuda:
        print(f"tensor form entirely on CUDA (no CPU fallback): {_all_on_cuda(tensor_bundle, cuda)}")
        print(f"tree-ensemble form entirely on CUDA: {_all_on_cuda(trees_bundle, cuda)}")
    boosters = [m.get_booster() for m in models]
    head = ["rows", "trees/CPU", "tensor/CPU", "xgb/CPU"] + (
        ["trees/CUDA", "tensor/CUDA", "xgb/CUDA"] if cuda else []
    )
    print(" ".join(f"{h:>12}" for h in head) + "   (ratios: trees/CPU time over each)")
    for n in rows:
        X = np.resize(X_all, (n, X_all.shape[1]))
        repeat = 300 if n == 1 else (30 if n <= 4096 else 2)
        cols: dict[str, float] = {}
        for label, providers in (("CPU", (CPU,)), ("CUDA", cuda)):
            if providers is None:
                continue
            trees = _session(trees_bundle, providers, n)
            tensor = _session(tensor_bundle, providers, n)
            cols[f"trees/{label}"] = _median(partial(trees.run, [OUTPUT_NAME], {INPUT_NAME: X}), repeat)
            cols[f"tensor/{label}"] = _median(partial(score_in_chunks, tensor, X, args.chunk), repeat)
            device = "cuda" if label == "CUDA" else "cpu"
            for b in boosters:
                b.set_param({"device": device})
            cols[f"xgb/{label}"] = _median(partial(_native, boosters, X), repeat)
            if label == "CUDA":
                got = score_in_chunks(tensor, X[:1024], args.chunk)
                ref = np.column_stack([predict_native(m, X[:1024]) for m in models])
                worst = float(np.abs(got - ref).max())
                print(f"   tensor form on CUDA vs XGBoost, {min(n, 1024)} rows: max |diff| {worst:.2g}")
        base = cols["trees/CPU"]
        cells = [f"{cols[h] * 1e6:>10.0f}µs" for h in head[1:]]
        ratios = " ".join(f"{base / cols[h]:.2f}x" for h in head[2:])
        print(f"{n:>12} " + " ".join(cells) + f"   {ratios}")
    for b in boosters:
        b.set_param({"device": "cpu"})


if __name__ == "__main__":
    main()
