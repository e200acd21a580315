"""ML engine benchmark: onnxruntime vs native XGBoost, the signal RPC vs a trivial RPC, training time.

Run: `.venv/bin/python -m bench.bench_inference [--quick]`. Prints figures and ratios; asserts nothing.
onnxruntime threads are set on purpose: the one-row session has 1 intra-op thread (a pool only
adds hand-off cost to a ~20 µs call); the batch session uses min(4, cpus) threads, spinning off.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import grpc
import numpy as np
import xgboost as xgb

from svc_inference.export import to_onnx
from svc_inference.providers import choose_providers
from svc_inference.serving import default_batch_threads, make_session
from svc_inference.simulate import simulate_bars
from svc_inference.training import TrainParams, make_dataset, train_models

ROWS = (1, 64, 1024, 10_000)


def _time(fn, repeat: int) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def bench_models(n_trees: int) -> None:
    bars = simulate_bars(20_000, seed=5)
    data = make_dataset(bars, 18)
    model = xgb.XGBRegressor(tree_method="hist", n_estimators=n_trees, max_depth=6, n_jobs=2, random_state=1)
    model.fit(data.X, data.y["delta_high"])
    proto = to_onnx(model, data.X.shape[1]).SerializeToString()
    choice = choose_providers(True)
    single = make_session(proto, choice.providers, intra_threads=1)
    batch = make_session(proto, choice.providers, intra_threads=default_batch_threads())
    booster = model.get_booster()
    in_name = single.get_inputs()[0].name
    print(f"\n== one model, {n_trees} trees depth 6, 21 features; provider {single.get_providers()[0]}")
    print(
        f"{'rows':>7} {'onnxruntime':>13} {'xgb.predict':>13} {'inplace':>13}"
        f" {'predict/ort':>12} {'inplace/ort':>12}"
    )
    for n in ROWS:
        X = np.resize(data.X, (n, data.X.shape[1]))
        sess = single if n == 1 else batch
        repeat = 2000 if n == 1 else (200 if n <= 1024 else 20)
        t_ort = _time(lambda s=sess, x=X: s.run(None, {in_name: x}), repeat)
        t_pred = _time(lambda x=X: model.predict(x), max(5, repeat // 10))
        t_inpl = _time(lambda x=X: booster.inplace_predict(x), max(5, repeat // 4))
        print(f"{n:>7} {t_ort * 1e6:>11.1f}µs {t_pred * 1e6:>11.1f}µs {t_inpl * 1e6:>11.1f}µs "
              f"{t_pred / t_ort:>11.1f}x {t_inpl / t_ort:>11.1f}x")  # fmt: skip


def bench_training(n_bars: int) -> None:
    bars = simulate_bars(n_bars, seed=8)
    t0 = time.perf_counter()
    trained = train_models(bars, TrainParams(n_jobs=2))
    took = time.perf_counter() - t0
    print(
        f"\n== training: {n_bars} bars, six models (hist, early stopping): {took:.1f} s;"
        f" test AUC {trained.metrics['auc']:.3f}"
    )


async def _latency(call, callers: int, total: int) -> tuple[float, float, float]:
    lat: list[float] = []

    async def worker(n: int) -> None:
        for _ in range(n):
            t0 = time.perf_counter()
            await call()
            lat.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(total // callers) for _ in range(callers)))
    wall = time.perf_counter() - t0
    lat.sort()
    return lat[len(lat) // 2], lat[int(len(lat) * 0.99)], len(lat) / wall


async def bench_rpc(n_trees: int) -> None:
    from trading.inference.v1 import inference_messages_pb2 as pb
    from trading.inference.v1 import inference_service_pb2_grpc as rpc

    from core.clock import Clock
    from core.db import Database
    from core.kv import MemoryKeyValue
    from core.server import create_server
    from svc_inference.bar_source import FrameBarSource
    from svc_inference.cache import PredictionCache
    from svc_inference.config import InferenceSettings
    from svc_inference.engine import InferenceEngine
    from svc_inference.export import export_bundle
    from svc_inference.models import Base
    from svc_inference.registry import ArtifactStore, Registry
    from svc_inference.service import InferenceServicer
    from svc_inference.serving import ModelServer

    tmp = Path(tempfile.mkdtemp())
    db = Database(f"sqlite+aiosqlite:///{tmp}/db/main.sqlite")
    await db.create_all([Base.metadata])
    bars = simulate_bars(6000, seed=5)
    trained = train_models(bars, TrainParams(n_estimators=n_trees, early_stopping_rounds=n_trees))
    source = FrameBarSource()
    source.put("EURUSD", "5m", bars)
    settings = InferenceSettings()
    engine = InferenceEngine(
        settings=settings, db=db, registry=Registry(db, ArtifactStore(tmp / "models")), server=ModelServer(),
        bars=source, cache=PredictionCache(MemoryKeyValue()), clock=Clock(),
    )  # fmt: skip
    rec = await engine.registry.register(
        symbol="EURUSD", timeframe="5m", trained=trained, bundle=export_bundle(trained), now=Clock().now()
    )
    await engine.promote(rec.name, rec.version, force=True)
    server, port = await create_server(
        "127.0.0.1:0", [(rpc.add_InferenceServiceServicer_to_server, InferenceServicer(engine, Clock()))], []
    )
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
        stub = rpc.InferenceServiceStub(ch)
        X1024 = np.resize(trained.X_test, (1024, 21))
        rows_req = pb.PredictRowsRequest(
            name=rec.name, rows=[pb.FeatureRow(values=r.tolist()) for r in X1024]
        )
        loaded = engine.server.get(rec.name)
        t_raw = _time(lambda: loaded.run(X1024), 50)
        calls = {
            "trivial (GetEngineHealth)": lambda: stub.GetEngineHealth(pb.GetEngineHealthRequest()),
            "CreateSignal": lambda: stub.CreateSignal(
                pb.CreateSignalRequest(symbol="EURUSD", include_tpsl=True)
            ),
            "PredictRows 1024": lambda: stub.PredictRows(rows_req),
        }
        print("\n== gRPC (Python grpc.aio client; C load tools inflate less)")
        for callers in (1, 32):
            base = None
            for name, call in calls.items():
                p50, p99, rate = await _latency(call, callers, 640 if "1024" not in name else 128)
                base = base or p50
                print(f"{callers:>2} callers {name:<26} p50 {p50 * 1e3:6.2f} ms  p99 {p99 * 1e3:6.2f} ms  "
                      f"{rate:7.0f}/s  p50/trivial {p50 / base:4.2f}x")  # fmt: skip
        p50, _, _ = await _latency(calls["PredictRows 1024"], 1, 50)
        print(f"PredictRows 1024 p50 / raw bundle call ({t_raw * 1e3:.2f} ms): {p50 / t_raw:.2f}x")
    await server.stop(0)
    engine.server.close()
    await db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller training run")
    args = ap.parse_args()
    bench_models(300)
    asyncio.run(bench_rpc(100 if args.quick else 300))
    bench_training(20_000 if args.quick else 100_000)


if __name__ == "__main__":
    main()
