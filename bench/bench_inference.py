"""ML engine benchmark: onnxruntime vs native XGBoost, the signal RPC vs a trivial RPC, training time.

Run: `.venv/bin/python -m bench.bench_inference [--quick] [--rpc-only] [--profile FILE]`.
Prints figures and ratios; asserts nothing.
onnxruntime threads are set on purpose: the one-row session has 1 intra-op thread (a pool only
adds hand-off cost to a ~20 µs call); the batch session uses min(4, cpus) threads, spinning off.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pandas as pd
import xgboost as xgb

from bench.load import HEADER, Result, process_cpu_s, run_load
from svc_inference.export import to_onnx
from svc_inference.providers import choose_providers
from svc_inference.serving import default_batch_threads, make_session
from svc_inference.training import TrainParams, make_dataset, train_models
from tests.simulated_bars import simulate_bars

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


# --- the signal RPC against a trivial RPC, the server in its own process ----------------------

BENCH_KEY = "tk_int_bench_inference_key"
SERVE_TREES = 300


def _live_bars(n_past: int, n_future: int) -> pd.DataFrame:
    """Simulated 5m bars on the wall clock: the last closed bar closed at the latest 5-minute mark."""
    bars = simulate_bars(n_past + n_future, seed=5)
    step = 300
    first_open = (int(time.time()) // step - n_past) * step
    bars["ts"] = pd.to_datetime(
        np.arange(first_open, first_open + len(bars) * step, step), unit="s", utc=True
    )
    return bars


def _market_servicer(bars: pd.DataFrame) -> tuple[Any, Any]:
    """A stand-in for svc_market's GetCandles over the same gRPC server: the newest bars up to now,
    the forming one included (as svc_market answers)."""
    from google.protobuf.timestamp_pb2 import Timestamp
    from trading.market.v1 import market_messages_pb2 as mpb
    from trading.market.v1 import market_service_pb2_grpc as mrpc

    opens = ((bars["ts"] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy()
    cols = bars[["open", "high", "low", "close", "volume"]].to_numpy()

    class Market(mrpc.MarketServiceServicer):
        calls = 0

        async def GetCandles(self, request: mpb.GetCandlesRequest, context: object) -> mpb.GetCandlesResponse:
            Market.calls += 1
            end = int(np.searchsorted(opens, time.time(), side="right"))
            start = max(0, end - (request.limit or 300))
            return mpb.GetCandlesResponse(
                symbol=request.symbol,
                tf=request.tf,
                candles=[
                    mpb.Candle(
                        time=Timestamp(seconds=int(opens[i])), open=o, high=h, low=lo, close=c, volume=v
                    )
                    for i, (o, h, lo, c, v) in zip(range(start, end), cols[start:end].tolist(), strict=True)
                ],
            )

    return Market(), mrpc.add_MarketServiceServicer_to_server


async def serve_signal(port_file: Path, n_trees: int, validate: bool) -> None:
    """The inference service as `wiring.build` assembles it (bars from a market over gRPC, the
    chassis interceptor) beside PlatformService, on one server; writes its port and raw timings."""
    import signal

    from trading.platform.v1 import platform_service_pb2_grpc as platform_rpc

    from app.credentials import InternalKeyVerifier
    from app.migrate import migrate
    from app.platform_service import PlatformServicer
    from app.runtime import make_context
    from core.auth import Authenticator
    from core.interceptor import ChassisInterceptor
    from core.server import create_server
    from core.settings import Settings
    from svc_inference import SERVICE
    from svc_inference.config import InferenceSettings
    from svc_inference.export import export_bundle
    from svc_inference.registry import ArtifactStore, Registry
    from svc_inference.wiring import build

    tmp = Path(tempfile.mkdtemp())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(data_dir=tmp, grpc_host="127.0.0.1", grpc_port=port, internal_api_key=BENCH_KEY)
    migrate(settings, [SERVICE])
    ctx = make_context(settings)
    bars = _live_bars(6000, 2000)
    past = bars[bars["ts"] < pd.Timestamp.now(tz="UTC")]
    trained = train_models(past, TrainParams(n_estimators=n_trees, early_stopping_rounds=n_trees))
    registry = Registry(ctx.db, ArtifactStore(tmp / "models"))
    rec = await registry.register(
        symbol="EURUSD", timeframe="5m", trained=trained, bundle=export_bundle(trained), now=ctx.clock.now()
    )
    await registry.promote(rec.name, rec.version, now=ctx.clock.now(), force=True)
    built = await build(ctx, InferenceSettings(active_symbols=["EURUSD"]))
    market, add_market = _market_servicer(bars)
    names = [*SERVICE.grpc_services, "trading.platform.v1.PlatformService", "trading.market.v1.MarketService"]
    servicers = [
        *built.servicers,
        (platform_rpc.add_PlatformServiceServicer_to_server, PlatformServicer(ctx.clock, names, "bench")),
        (add_market, market),
    ]
    interceptor = ChassisInterceptor(
        Authenticator(ctx.keys, InternalKeyVerifier(BENCH_KEY)), ctx.kv, validate_requests=validate
    )
    server, _ = await create_server(f"127.0.0.1:{port}", servicers, names, interceptors=[interceptor])
    servicer = built.servicers[0][1]
    model = servicer.engine.server.get(rec.name)
    X1024 = np.resize(trained.X_test, (1024, 21)).astype(np.float32)
    raw = {
        "port": port,
        "model": rec.name,
        "raw_1row_s": _time(lambda: model.run(X1024[:1]), 2000),
        "raw_1024_s": _time(lambda: model.run(X1024), 50),
        "provider": model.provider,
    }
    port_file.write_text(json.dumps(raw))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    print(f"market GetCandles calls served: {market.calls}", flush=True)
    await server.stop(0)
    if built.close is not None:
        await built.close()
    await ctx.db.dispose()


def _start_server(n_trees: int, validate: bool, profile: str = "") -> tuple[subprocess.Popen, dict]:
    tmp = Path(tempfile.mkdtemp())
    port_file = tmp / "port.json"
    cmd = [sys.executable, "-m", "bench.bench_inference", "--serve", str(port_file), "--trees", str(n_trees)]
    if not validate:
        cmd.append("--no-validate")
    if profile:
        cmd = [sys.executable, "-m", "cProfile", "-o", profile, *cmd[1:]]
    proc = subprocess.Popen(cmd)
    for _ in range(6000):  # training the served model can take minutes on loaded cores
        if port_file.exists() and port_file.read_text():
            return proc, json.loads(port_file.read_text())
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the benchmark server did not start")


async def bench_rpc(n_trees: int, calls: int, validate: bool, profile: str = "") -> None:
    from trading.inference.v1 import inference_messages_pb2 as pb
    from trading.inference.v1 import inference_service_pb2_grpc as rpc
    from trading.platform.v1 import platform_messages_pb2 as ppb
    from trading.platform.v1 import platform_service_pb2_grpc as prpc

    proc, info = _start_server(n_trees, validate, profile)
    md = (("x-api-key", BENCH_KEY),)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{info['port']}") as ch:
            stub, platform = rpc.InferenceServiceStub(ch), prpc.PlatformServiceStub(ch)
            signal_req = pb.CreateSignalRequest(symbol="EURUSD", include_tpsl=True, include_range=True)
            trivial_req = ppb.GetServerInfoRequest()
            rows = np.zeros((1024, 21), dtype=np.float32)
            rows_req = pb.PredictRowsRequest(
                name=info["model"], rows=[pb.FeatureRow(values=r) for r in rows.tolist()]
            )
            calls_by_name = {
                "trivial (GetServerInfo)": lambda: platform.GetServerInfo(trivial_req, metadata=md),
                "CreateSignal": lambda: stub.CreateSignal(signal_req, metadata=md),
            }
            print(
                f"\n== gRPC, server in its own process ({info['provider']}), chassis interceptor"
                f" {'with' if validate else 'WITHOUT'} request validation,"
                f" Python grpc.aio client; raw one-row bundle call {info['raw_1row_s'] * 1e6:.1f} µs"
            )
            print(f"{HEADER} {'server CPU µs/call':>20} {'p50/trivial':>12} {'calls/s ratio':>14}")
            for callers in (1, 32):
                results: dict[str, list[tuple[Result, float]]] = {name: [] for name in calls_by_name}
                for call in calls_by_name.values():
                    await run_load(call, callers, 300)  # warm up
                for _ in range(3):  # interleaved rounds, the best of each kept: less noise
                    for name, call in calls_by_name.items():
                        cpu0 = process_cpu_s(proc.pid)
                        result = await run_load(call, callers, calls)
                        results[name].append((result, (process_cpu_s(proc.pid) - cpu0) / result.calls * 1e6))
                best = {name: min(rs, key=lambda r: r[0].p50_ms) for name, rs in results.items()}
                base = best["trivial (GetServerInfo)"][0]
                for name, (result, cpu) in best.items():
                    print(
                        f"{result.row(f'{name}, {callers} callers')} {cpu:20.0f}"
                        f" {result.p50_ms / base.p50_ms:11.2f}x {result.per_s / base.per_s:13.2f}x",
                        flush=True,
                    )
            matrix = pb.FeatureMatrix(columns=rows.shape[1], float32_le=rows.astype("<f4").tobytes())
            matrix_req = pb.PredictRowsRequest(name=info["model"], matrix=matrix)
            raw_ms = info["raw_1024_s"] * 1e3
            for form, req in (("rows", rows_req), ("matrix", matrix_req)):
                result = await run_load(
                    lambda req=req: stub.PredictRows(req, metadata=md), 1, 200 if not validate else 10
                )
                print(
                    f"PredictRows 1024 rows as {form:<6} p50 {result.p50_ms:.2f} ms; raw bundle call"
                    f" {raw_ms:.2f} ms; ratio {result.p50_ms / raw_ms:.2f}x"
                )
            _h2load(info["port"], signal_req, trivial_req, 20_000 if not validate else 1_000)
    finally:
        proc.terminate()
        proc.wait(30)


def _h2load(port: int, signal_req: object, trivial_req: object, n: int) -> None:
    """The same two RPCs driven by h2load (a C HTTP/2 client), when it is installed."""
    exe = shutil.which("h2load")
    if exe is None:
        print("h2load not found (Debian: nghttp2-client): C-client figures skipped")
        return
    print("\n== the same, driven by h2load (mean latency; h2load reports no percentiles)")
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, req in (
            ("trivial (GetServerInfo)", "/trading.platform.v1.PlatformService/GetServerInfo", trivial_req),
            ("CreateSignal", "/trading.inference.v1.InferenceService/CreateSignal", signal_req),
        ):
            body = req.SerializeToString()  # type: ignore[attr-defined]
            data = Path(tmp) / "body"
            data.write_bytes(b"\x00" + len(body).to_bytes(4, "big") + body)
            for streams in (1, 32):
                out = subprocess.run(
                    [exe, "-n", str(n), "-c", "1", "-m", str(streams), "-d", str(data),
                     "-H", "content-type: application/grpc", "-H", "te: trailers",
                     "-H", f"x-api-key: {BENCH_KEY}", f"http://127.0.0.1:{port}{path}"],
                    capture_output=True, text=True, check=False,
                )  # fmt: skip
                rate = re.search(r"finished in [^,]+, ([\d.]+) req/s", out.stdout)
                mean = re.search(r"time for request:\s+\S+\s+\S+\s+(\S+)", out.stdout)
                ok = re.search(r"(\d+) succeeded", out.stdout)
                print(
                    f"{name + f', {streams} in flight':<44} mean {mean.group(1) if mean else '?':>9}"
                    f"  {rate.group(1) if rate else '?':>9} calls/s  ({ok.group(1) if ok else '?'} ok)"
                )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller training run, fewer calls")
    ap.add_argument("--rpc-only", action="store_true", help="only the RPC figures")
    ap.add_argument("--profile", default="", help="cProfile the server into this file")
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--trees", type=int, default=SERVE_TREES, help=argparse.SUPPRESS)
    ap.add_argument("--no-validate", action="store_true", help=argparse.SUPPRESS)
    args, _ = ap.parse_known_args()
    if args.serve:
        asyncio.run(serve_signal(args.serve, args.trees, not args.no_validate))
        return
    if not args.rpc_only:
        bench_models(300)
    trees = 100 if args.quick else SERVE_TREES
    # the service's own cost (request validation off), then as deployed (validation on)
    asyncio.run(bench_rpc(trees, 1000 if args.quick else 3000, False, args.profile))
    asyncio.run(bench_rpc(trees, 300, True))
    if not args.rpc_only:
        bench_training(20_000 if args.quick else 100_000)


if __name__ == "__main__":
    main()
