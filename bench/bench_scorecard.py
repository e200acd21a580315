"""Live scorecard figures: what resolving one signal and aggregating the scorecard cost.

Side by side with the baseline every signal already pays: storing it (`store_signal`, the row and
its outbox event in one transaction). Per signal: resolving it against its bars (pure), and the
whole `resolve_due` (read the unresolved signals, one bar read per symbol, store the outcomes),
in batches of 200; then the scorecard page (`lines`) over all stored outcomes.

Run: .venv/bin/python -m bench.bench_scorecard [--pg] [--signals 1000]
(--pg: also on a throwaway database of the local PostgreSQL, 127.0.0.1:5432, dropped afterwards)
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from core.clock import TestClock
from core.db import Database
from svc_inference.bar_source import FrameBarSource
from svc_inference.models import Base
from svc_inference.prediction import Prediction
from svc_inference.scorecard import Scorecard, resolve
from svc_inference.signal_store import StoredSignal, recent_rows, store_signal
from svc_inference.signals import LONG, Signal, SignalDecision
from tests.market_instruments import market_instruments
from tests.simulated_bars import simulate_bars

START = datetime(2025, 6, 2, tzinfo=UTC)
STEP = timedelta(minutes=5)
HORIZON = 18


def _signal(bars: pd.DataFrame, i: int) -> Signal:
    close = float(bars["close"].iloc[i])
    risk = 0.0008
    bar_time = pd.Timestamp(bars["ts"].iloc[i]).to_pydatetime()
    pred = Prediction(
        symbol="EURUSD",
        timeframe="5m",
        horizon=HORIZON,
        predicted_high=0.002,
        predicted_low=-0.001,
        confidence=0.6,
        close=close,
        atr=risk,
        prob_tp_first={"long_rr2": 0.4, "long_rr3": 0.3, "short_rr2": 0.3, "short_rr3": 0.2},
        amd_phase=0,
        model_name="eurusd_5m_h18",
        model_version=1,
        bar_time=bar_time,
        created_at=bar_time + STEP,
    )
    decision = SignalDecision(LONG, close, close - risk, close + 2 * risk, 2.0, 0.4, 0.1, 0.2, "bench")
    return Signal(decision, pred, "aggressive_filter", bar_time + STEP, bar_time + 4 * STEP)


async def bench(url: str, label: str, n: int) -> None:
    db = Database(url)
    await db.create_all([Base.metadata])
    bars = simulate_bars(n + 2 * HORIZON + 10, seed=3, start=START)
    clock = TestClock(pd.Timestamp(bars["ts"].iloc[-1]).to_pydatetime() + STEP)
    source = FrameBarSource(instruments=market_instruments())
    source.put("EURUSD", "5m", bars)

    t0 = time.perf_counter()
    for i in range(n):
        await store_signal(db, _signal(bars, i), clock)
    store_s = (time.perf_counter() - t0) / n

    stored: list[StoredSignal] = await recent_rows(db, "EURUSD", HORIZON, n)
    index = {pd.Timestamp(t).to_pydatetime(): i for i, t in enumerate(bars["ts"])}
    t0 = time.perf_counter()
    for sig in stored:
        first = index[sig.bar_time] + 1
        resolve(
            sig,
            bars.iloc[first : first + HORIZON],
            source.model.session_spread(sig.symbol, sig.bar_time + STEP),
        )
    pure_s = (time.perf_counter() - t0) / n

    card = Scorecard(db, source, clock, cache_s=0.0)  # every page read from the database
    t0 = time.perf_counter()
    done = 0
    while True:
        resolved = await card.resolve_due(limit=200)
        if not resolved:
            break
        done += resolved
    due_s = (time.perf_counter() - t0) / max(done, 1)

    await card.lines()  # the first query of a connection pays for its set-up
    t0 = time.perf_counter()
    lines = await card.lines()
    lines_s = time.perf_counter() - t0
    await db.dispose()

    print(f"[{label}] {n} signals, {done} resolved; per signal:")
    print(f"  baseline: store the signal (row + outbox event)      {store_s * 1e3:8.3f} ms   1.00x")
    print(f"  resolve against its bars (pure)                      {pure_s * 1e3:8.3f} ms "
          f"{pure_s / store_s:6.2f}x")  # fmt: skip
    print(f"  resolve_due (read, bars, resolve, store), batch 200  {due_s * 1e3:8.3f} ms "
          f"{due_s / store_s:6.2f}x")  # fmt: skip
    print(f"  scorecard page over {done} outcomes ({len(lines)} line): {lines_s * 1e3:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", action="store_true", help="also on a throwaway local PostgreSQL database")
    ap.add_argument("--signals", type=int, default=1000)
    args, _ = ap.parse_known_args()
    tmp = Path(tempfile.mkdtemp())
    asyncio.run(bench(f"sqlite+aiosqlite:///{tmp / 'ml.db'}", "sqlite", args.signals))
    if args.pg:
        import os

        import psycopg

        admin, name = "postgresql://postgres@127.0.0.1:5432/postgres", f"bench_scorecard_{os.getpid()}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            asyncio.run(
                bench(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", "postgresql", args.signals)
            )
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
