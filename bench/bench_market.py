"""Market data figures: candle queries (1,000 bars per timeframe) and indicators over 100,000 bars.

Run: .venv/bin/python -m bench.bench_market [--pg postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime

import numpy as np

from core.clock import TestClock
from core.db import Database
from quant import indicators as ind
from svc_market.candles import CandleQuery, get_candles
from svc_market.demo_data import seed_demo_data
from svc_market.models import Base

NOW = datetime(2025, 6, 2, tzinfo=UTC)


async def bench_candles(url: str, label: str) -> None:
    db = Database(url)
    if not db.is_sqlite:
        from sqlalchemy import text

        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS market_data CASCADE"))
    await db.create_all([Base.metadata])
    started = time.perf_counter()
    rows = await seed_demo_data(db, TestClock(NOW), ["BTCUSD"], days=1000)
    print(f"[{label}] stored {rows:,} 5m bars in {time.perf_counter() - started:.1f}s")
    async with db.session() as session:
        for tf in ("5m", "15m", "1h", "4h", "1d"):
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                _, bars, _ = await get_candles(session, CandleQuery("BTCUSD", tf, None, None, 1000), NOW, 0)
                times.append(time.perf_counter() - t0)
            print(f"[{label}] candles tf={tf:>3}: {len(bars)} bars, median {np.median(times) * 1000:.1f} ms")
    await db.dispose()


def bench_indicators() -> None:
    rng = np.random.default_rng(1)
    close = 1.1 + np.cumsum(rng.normal(0, 0.0005, 100_000))
    high, low = close + 0.0003, close - 0.0003
    t0 = time.perf_counter()
    ind.sma(close, 50), ind.ema(close, 26), ind.rsi(close), ind.macd(close), ind.bollinger(close)
    ind.atr(high, low, close), ind.amd_phase(close, high, low, close)
    print(f"indicators (sma, ema, rsi, macd, bollinger, atr, amd) over 100,000 bars: "
          f"{(time.perf_counter() - t0) * 1000:.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--pg", default="", help="a PostgreSQL URL to also measure (its market_data is replaced)"
    )
    args = parser.parse_args()
    bench_indicators()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(bench_candles(f"sqlite+aiosqlite:///{tmp}/main.sqlite", "sqlite"))
    if args.pg:
        asyncio.run(bench_candles(args.pg, "postgres"))


if __name__ == "__main__":
    main()
