"""Commands that work on data: `trading data import`, `trading train`, `trading backtest`.

They belong to the composition root because they join two services: bars come from market data
(over gRPC from the running platform, or from a file), models and reports from the ML engine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from core.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    data = sub.add_parser("data", help="market data files")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    imp = data_sub.add_parser("import", help="import bars from a CSV or Parquet file")
    from svc_market.cli import add_import_arguments

    add_import_arguments(imp)
    imp.set_defaults(func=cmd_import)

    train = sub.add_parser("train", help="train, export, check and register a model")
    _bar_arguments(train)
    train.add_argument("--no-promote", action="store_true", help="register as a candidate only")
    train.set_defaults(func=cmd_train)

    backtest = sub.add_parser("backtest", help="walk-forward backtest of a strategy")
    _bar_arguments(backtest)
    backtest.add_argument("--strategy", default="aggressive_filter")
    backtest.add_argument("--from", dest="start", type=_utc, default=None, help="ISO date, UTC")
    backtest.add_argument("--to", dest="end", type=_utc, default=None, help="ISO date, UTC")
    backtest.add_argument("--commission", type=float, default=0.0, help="per trade, price units")
    backtest.add_argument("--out", type=Path, default=None, help="report folder (default var/backtests/...)")
    backtest.set_defaults(func=cmd_backtest)


def _utc(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _bar_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--symbol", required=True)
    parser.add_argument("--timeframe", default="5m")
    parser.add_argument("--horizon", type=int, default=18)
    parser.add_argument(
        "--file", type=Path, default=None, help="bars from a CSV/Parquet file (ts,open,high,low,close,volume)"
    )
    parser.add_argument("--bars", type=int, default=5000, help="how many recent bars to ask market data for")


def cmd_import(args: argparse.Namespace) -> int:
    from svc_market.cli import import_command

    argv = ["--symbol", args.symbol, "--file", args.file, "--tz", args.tz]
    for item in args.map:
        argv += ["--map", item]
    if args.resolution:
        argv += ["--resolution", str(args.resolution)]
    return import_command(argv)


async def load_bars(args: argparse.Namespace, settings: Settings) -> pd.DataFrame:
    """Bars from --file, else from the running platform's market data service."""
    if args.file is not None:
        frame = pd.read_parquet(args.file) if args.file.suffix == ".parquet" else pd.read_csv(args.file)
        frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
        return frame
    from app.runtime import make_context
    from svc_inference.bar_source import MarketBarSource

    ctx = make_context(settings)
    try:
        return await MarketBarSource(ctx.clients, deadline_s=30.0).recent(
            args.symbol, args.timeframe, args.bars
        )
    finally:
        await ctx.clients.close()
        await ctx.db.dispose()


def cmd_train(args: argparse.Namespace) -> int:
    settings = Settings()

    async def main() -> int:
        from core.db import Database
        from svc_inference.commands import train_command

        bars = await load_bars(args, settings)
        db = Database(settings.effective_database_url)
        try:
            outcome = await train_command(
                symbol=args.symbol.upper(),
                bars=bars,
                db=db,
                data_dir=settings.data_dir,
                timeframe=args.timeframe,
                horizon=args.horizon,
                promote=not args.no_promote,
            )
        finally:
            await db.dispose()
        record = outcome.record
        print(json.dumps({"model": record.name, "version": record.version, "status": record.status,
                          "promoted": outcome.promoted, "onnx_parity_max_abs_diff": outcome.max_parity_diff,
                          "metrics": record.metrics}, indent=2, default=str))  # fmt: skip
        return 0

    return asyncio.run(main())


def cmd_backtest(args: argparse.Namespace) -> int:
    settings = Settings()

    async def main() -> int:
        from svc_inference.commands import backtest_command
        from svc_market.quotes import modelled_spread

        bars = await load_bars(args, settings)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        out = args.out or settings.data_dir / "backtests" / f"{args.symbol.lower()}-{args.strategy}-{stamp}"
        report = await asyncio.to_thread(
            backtest_command,
            symbol=args.symbol.upper(),
            bars=bars,
            out_dir=out,
            strategy=args.strategy,
            start=args.start,
            end=args.end,
            timeframe=args.timeframe,
            horizon=args.horizon,
            spread=modelled_spread(args.symbol.upper(), "london"),
            commission=args.commission,
        )
        print(json.dumps({"folds": report.folds, **report.stats, "equity_csv": str(report.csv_path),
                          "equity_png": str(report.png_path)}, indent=2, default=str))  # fmt: skip
        return 0

    return asyncio.run(main())
