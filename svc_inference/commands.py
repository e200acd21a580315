"""What `trading train` and `trading backtest` call: plain functions, bars passed in.

The caller reads the bars (svc_market's store, or `simulate.simulate_bars` for the demo) and a
Database; these functions do the rest and return what they did.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from core.db import Database
from svc_inference.backtest import BacktestReport, walk_forward, write_equity
from svc_inference.export import export_bundle
from svc_inference.registry import ArtifactStore, ModelRecord, Registry
from svc_inference.signals import strategy_named
from svc_inference.training import TrainParams, train_models


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
) -> TrainOutcome:
    """Train, export, parity-check (ParityError refuses), register; promote if it beats the champion."""
    p = replace(params or TrainParams(), horizon=horizon)
    # CPU-heavy and synchronous: off the event loop, so a running server keeps answering.
    trained = await asyncio.to_thread(train_models, bars, p)
    bundle = await asyncio.to_thread(export_bundle, trained)
    registry = Registry(db, ArtifactStore(data_dir / "models"))
    when = now or datetime.now(UTC)
    record = await registry.register(
        symbol=symbol, timeframe=timeframe, trained=trained, bundle=bundle, now=when
    )
    promoted = promote and await registry.promote_if_better(record.name, record.version, now=when)
    if promoted:
        record = await registry.get(record.name, record.version)
    return TrainOutcome(record, promoted, max(bundle.max_abs_diff.values()))


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
    return write_equity(report, out_dir, f"{symbol.lower()}_{timeframe}_{strategy}")
