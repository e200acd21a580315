"""What `trading train` and `trading backtest` call: plain functions, bars passed in.

The caller reads the bars (svc_market's store, or `simulate.simulate_bars` for the demo) and a
Database; these functions do the rest and return what they did.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from core.clock import Clock
from core.db import Database
from svc_inference.backtest import BacktestReport, walk_forward
from svc_inference.backtest_report import write_report
from svc_inference.calibration import calibrate_outputs
from svc_inference.export import INPUT_NAME, OUTPUT_NAME, export_bundle
from svc_inference.gate import GateParams, compare_on_rows, run_gate
from svc_inference.registry import ArtifactStore, ModelRecord, Registry, model_name
from svc_inference.serving import make_session
from svc_inference.signals import strategy_named
from svc_inference.training import Dataset, TrainParams, make_dataset, train_models


@dataclass(frozen=True)
class TrainOutcome:
    record: ModelRecord
    promoted: bool
    max_parity_diff: float


async def train_command(
    *,
    symbol: str,
    bars: pd.DataFrame,
    db: Database,
    data_dir: Path,
    timeframe: str = "5m",
    horizon: int = 18,
    params: TrainParams | None = None,
    promote: bool = True,
    now: datetime | None = None,
    gate: GateParams | None = None,
) -> TrainOutcome:
    """Train, export, parity-check (ParityError refuses), judge it with the walk-forward gate and
    against the champion on the same rows, register; promote if it passed and beats the champion."""
    p = replace(params or TrainParams(), horizon=horizon)
    # CPU-heavy and synchronous: off the event loop, so a running server keeps answering.
    trained = await asyncio.to_thread(train_models, bars, p)
    bundle = await asyncio.to_thread(export_bundle, trained)
    data = await asyncio.to_thread(make_dataset, bars, p.horizon, p.sl_atr_multiple)
    judged = await asyncio.to_thread(run_gate, data, p, gate)
    registry = Registry(db, ArtifactStore(data_dir / "models"))
    champion = await registry.champion(model_name(symbol, timeframe, p.horizon))
    figures = dict(judged.figures)
    if champion is not None:
        served = (bundle.onnx_bytes, list(bundle.output_names), trained.metrics["calibration_maps"])
        figures["vs_champion"] = await asyncio.to_thread(
            versus_champion, champion, registry.store, data, served, trained.windows["test_start"], p.horizon
        )
    trained.metrics["gate"] = figures
    when = now or Clock().now()
    record = await registry.register(
        symbol=symbol, timeframe=timeframe, trained=trained, bundle=bundle, now=when
    )
    promoted = promote and await registry.promote_if_better(record.name, record.version, now=when)
    if promoted:
        record = await registry.get(record.name, record.version)
    return TrainOutcome(record, promoted, max(bundle.max_abs_diff.values()))


def _calibrated(onnx: bytes, outputs: list[str], maps: dict, X: NDArray[np.float32]) -> dict[str, NDArray]:
    session = make_session(onnx, ("CPUExecutionProvider",), intra_threads=1)
    out = calibrate_outputs(session.run([OUTPUT_NAME], {INPUT_NAME: X})[0], outputs, maps)
    return {name: out[:, j].astype(np.float64) for j, name in enumerate(outputs)}


def versus_champion(
    champion: ModelRecord,
    store: ArtifactStore,
    data: Dataset,
    candidate: tuple[bytes, list[str], dict],
    test_start: datetime,
    horizon: int,
) -> dict[str, object]:
    """The champion and the candidate, each as served (bundle and Platt maps), on the same rows:
    those that neither saw, the candidate's test rows after the champion's training window."""
    rows = np.flatnonzero(((data.ts >= test_start) & (data.ts > champion.train_end)).to_numpy())
    if rows.size == 0:
        return {"rows": 0}
    X = data.X[rows]
    theirs = _calibrated(
        store.get(champion.artifact_sha256), champion.outputs, champion.metrics.get("calibration_maps", {}), X
    )
    ours = _calibrated(*candidate, X)
    y = {name: data.y[name][rows] for name in ours if name in data.y}
    return compare_on_rows(y, ours, theirs, block=horizon, seed=0)


def backtest_command(
    *,
    symbol: str,
    bars: pd.DataFrame,
    out_dir: Path,
    strategy: str = "aggressive_filter",
    start: datetime | None = None,
    end: datetime | None = None,
    timeframe: str = "5m",
    horizon: int = 18,
    spread: float = 0.0,
    commission: float = 0.0,
    train_bars: int = 4000,
    test_bars: int = 1000,
    params: TrainParams | None = None,
) -> BacktestReport:
    """Walk-forward backtest of `strategy` on bars in [start, end); writes the equity CSV and PNG."""
    ts = pd.to_datetime(bars["ts"], utc=True)
    mask = pd.Series(True, index=bars.index)
    if start is not None:
        mask &= ts >= pd.Timestamp(start)
    if end is not None:
        mask &= ts < pd.Timestamp(end)
    report = walk_forward(
        bars[mask].reset_index(drop=True),
        strategy_named(strategy),
        symbol=symbol,
        timeframe=timeframe,
        params=replace(params or TrainParams(), horizon=horizon),
        train_bars=train_bars,
        test_bars=test_bars,
        spread=spread,
        commission=commission,
    )
    return write_report(report, out_dir, f"{symbol.lower()}_{timeframe}_{strategy}")
