"""Market data figures: candle queries (1,000 bars per timeframe), indicators over 100,000 bars and
price fan-out to 1,000 StreamPrices subscribers over gRPC (loopback, bounded in time).

Run: .venv/bin/python -m bench.bench_market [--pg postgresql+asyncpg://...] [--no-fanout]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

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


STREAM_SYMBOL = "EURUSD"


async def serve_stream(port_file: Path, db_url: str, interval_s: float) -> None:
    """The market servicer alone on a gRPC server (run in its own process by bench_fanout)."""
    import signal

    from trading.market.v1 import market_service_pb2_grpc as rpc

    from core.bus import InProcessBus
    from core.clock import Clock
    from core.server import create_server
    from svc_market.config import MarketSettings
    from svc_market.service import MarketServicer
    from svc_market.wiring import make_market

    db = Database(db_url)
    market = make_market(db, Clock(), MarketSettings(stream_interval_s=interval_s), InProcessBus())
    server, port = await create_server(
        "127.0.0.1:0",
        [(rpc.add_MarketServiceServicer_to_server, MarketServicer(market))],
        ["trading.market.v1.MarketService"],
    )
    port_file.write_text(str(port))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await market.hub.close()
    await server.stop(0)
    await db.dispose()


async def _fanout_round(
    target: str, subscribers: int, channels: int, seconds: float, settle_s: float
) -> tuple[int, list[float]]:
    """Ticks received by all subscribers over ``seconds`` once every one has its first quote, and
    each tick's delay from the quote's timestamp to its receipt."""
    import grpc
    from trading.market.v1 import market_messages_pb2 as pb
    from trading.market.v1 import market_service_pb2_grpc as rpc

    # a local subchannel pool each: one TCP connection per channel, not one shared by all
    pipes = [
        grpc.aio.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
        for _ in range(channels)
    ]
    stubs = [rpc.MarketServiceStub(p) for p in pipes]
    started = 0
    all_started = asyncio.Event()
    measuring = False
    delays: list[float] = []

    async def subscriber(i: int) -> None:
        nonlocal started
        first = True
        async for tick in stubs[i % channels].StreamPrices(pb.StreamPricesRequest(symbol=STREAM_SYMBOL)):
            now = time.time()
            if first:
                first = False
                started += 1
                if started == subscribers:
                    all_started.set()
            if measuring:
                delays.append(now - (tick.timestamp.seconds + tick.timestamp.nanos / 1e9))

    tasks = [asyncio.create_task(subscriber(i)) for i in range(subscribers)]
    try:
        waiter = asyncio.create_task(all_started.wait())
        await asyncio.wait([waiter, *tasks], timeout=60, return_when=asyncio.FIRST_COMPLETED)
        if not all_started.is_set():
            waiter.cancel()
            failed = next((t for t in tasks if t.done()), None)
            raise RuntimeError(f"{started} of {subscribers} streams started") from (
                failed.exception() if failed else None
            )
        await asyncio.sleep(settle_s)  # start the window between two bursts, not inside one
        measuring = True
        await asyncio.sleep(seconds)
        measuring = False
        count = len(delays)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for p in pipes:
            await p.close()
    return count, delays


def bench_fanout(subscribers: int = 1000, channels: int = 4, seconds: float = 5.0) -> None:
    """StreamPrices to ``subscribers`` gRPC streams of one symbol from a server in another process."""
    import subprocess
    import sys

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/db/main.sqlite"

        async def seed() -> None:
            db = Database(url)
            await db.create_all([Base.metadata])
            await seed_demo_data(db, TestClock(NOW), [STREAM_SYMBOL], days=30)
            await db.dispose()

        asyncio.run(seed())
        for interval in (1.0, 0.1):  # the product's rate, then ten times it (past what 2 cores carry)
            port_file = Path(tmp) / f"port-{interval}"
            cmd = [
                sys.executable,
                "-m",
                "bench.bench_market",
                "--serve-stream",
                str(port_file),
                url,
                str(interval),
            ]
            proc = subprocess.Popen(cmd)
            try:
                deadline = time.monotonic() + 30
                while not port_file.exists() or not port_file.read_text():
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("stream server did not start")
                    time.sleep(0.05)
                target = f"127.0.0.1:{port_file.read_text()}"
                window = max(seconds, 10 * interval)
                count, delays = asyncio.run(
                    _fanout_round(target, subscribers, channels, window, interval / 2)
                )
            finally:
                proc.terminate()
                proc.wait(10)
            offered = subscribers / interval
            p50, p99 = (np.percentile(delays, [50, 99]) * 1000) if delays else (float("nan"),) * 2
            print(
                f"fan-out {subscribers} streams / {channels} channels, a quote every {interval:g}s "
                f"(offered {offered:,.0f} ticks/s): delivered {count / window:,.0f} ticks/s, "
                f"delay p50 {p50:.1f} ms p99 {p99:.1f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--pg", default="", help="a PostgreSQL URL to also measure (its market_data is replaced)"
    )
    parser.add_argument("--no-fanout", action="store_true", help="skip the StreamPrices fan-out")
    parser.add_argument("--serve-stream", nargs=3, metavar=("PORT_FILE", "DB_URL", "INTERVAL_S"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args, _ = parser.parse_known_args()  # `python -m bench market` leaves its own arguments
    if args.serve_stream:
        port_file, url, interval = args.serve_stream
        asyncio.run(serve_stream(Path(port_file), url, float(interval)))
        return
    bench_indicators()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(bench_candles(f"sqlite+aiosqlite:///{tmp}/main.sqlite", "sqlite"))
    if args.pg:
        asyncio.run(bench_candles(args.pg, "postgres"))
    if not args.no_fanout:
        bench_fanout()


if __name__ == "__main__":
    main()
