"""Commands that work on data: `trading data import`, `trading train`, `trading backtest`.

They belong to the composition root because they join two services: bars come from market data
(over gRPC from the running platform, or from a file), models and reports from the ML engine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import pandas as pd

from core.settings import Settings
from svc_inference.fills import Costs

if TYPE_CHECKING:
    from svc_inference.training import TrainParams


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

    backtest = sub.add_parser("backtest", help="walk-forward backtest of a strategy against benchmarks")
    _bar_arguments(backtest)
    backtest.add_argument("--strategy", default="aggressive_filter")
    backtest.add_argument("--from", dest="start", type=_utc, default=None, help="ISO date, UTC")
    backtest.add_argument("--to", dest="end", type=_utc, default=None, help="ISO date, UTC")
    backtest.add_argument("--train-bars", type=int, default=4000, help="bars each fold trains on")
    backtest.add_argument("--test-bars", type=int, default=1000, help="bars each fold trades (rolling)")
    backtest.add_argument(
        "--folds", type=int, default=None, help="split the bars after the first training window into N folds"
    )
    backtest.add_argument(
        "--spread", type=float, default=None,
        help="flat spread, price units (default: the symbol's modelled spread of each trade's session)",
    )  # fmt: skip
    backtest.add_argument("--commission", type=float, default=0.0, help="per round trip, price units")
    backtest.add_argument(
        "--slippage", type=float, default=0.0, help="per side (entry and exit), price units"
    )
    backtest.add_argument("--no-refit", action="store_true", help="trade the early-stopped models as trained")
    backtest.add_argument("--seed", type=int, default=7, help="seed of the random-entry benchmark")
    backtest.add_argument("--progress", action="store_true", help="progress bar on stderr")
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
    parser.add_argument("--n-estimators", type=int, default=None, help="trees per model (default 300)")
    parser.add_argument("--max-depth", type=int, default=None, help="tree depth (default 6)")


def _params(args: argparse.Namespace) -> TrainParams:
    from svc_inference.training import TrainParams

    p = TrainParams(horizon=args.horizon)
    if args.n_estimators is not None:
        p = replace(p, n_estimators=args.n_estimators)
    if args.max_depth is not None:
        p = replace(p, max_depth=args.max_depth)
    return p


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from svc_market.cli import import_command

    argv = ["--symbol", args.symbol, "--file", args.file, "--tz", args.tz]
    for item in args.map:
        argv += ["--map", item]
    if args.resolution:
        argv += ["--resolution", str(args.resolution)]
    return import_command(argv)


BAR_COLUMNS = ("ts", "open", "high", "low", "close", "volume")


class BadBars(ValueError):
    """Bars that cannot be trained or backtested on, with what is wrong and where."""


def check_bars(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """The bars with `ts` as UTC timestamps and numeric prices, or BadBars saying what is wrong."""
    missing = [c for c in BAR_COLUMNS if c not in frame.columns]
    if missing:
        raise BadBars(f"{source}: missing column(s) {', '.join(missing)} (need {', '.join(BAR_COLUMNS)})")
    if frame.empty:
        raise BadBars(f"{source}: no bars")
    out = frame.copy()
    out["ts"] = pd.to_datetime(out["ts"], utc=True, errors="coerce")
    for col in BAR_COLUMNS[1:]:
        out[col] = pd.to_numeric(out[col], errors="coerce")
    for col in BAR_COLUMNS:
        bad = out[col].isna().to_numpy().nonzero()[0]
        if bad.size:
            raise BadBars(
                f"{source}: row {bad[0] + 1}: {col} is empty or not a {'time' if col == 'ts' else 'number'}"
            )
    ts = out["ts"]
    dup = ts.duplicated().to_numpy().nonzero()[0]
    if dup.size:
        raise BadBars(f"{source}: row {dup[0] + 1}: duplicate timestamp {ts.iloc[dup[0]]}")
    back = (ts.diff() < pd.Timedelta(0)).to_numpy().nonzero()[0]
    if back.size:
        i = back[0]
        raise BadBars(f"{source}: row {i + 1}: timestamps not sorted ({ts.iloc[i]} after {ts.iloc[i - 1]})")
    inverted = (out["high"] < out["low"]).to_numpy().nonzero()[0]
    if inverted.size:
        i = inverted[0]
        raise BadBars(f"{source}: row {i + 1}: high {out['high'].iloc[i]} below low {out['low'].iloc[i]}")
    outside = (out[["open", "close"]].max(axis=1) > out["high"]) | (
        out[["open", "close"]].min(axis=1) < out["low"]
    )
    if outside.any():
        i = int(outside.to_numpy().nonzero()[0][0])
        raise BadBars(f"{source}: row {i + 1}: open or close outside the bar's high-low range")
    if (out[["open", "high", "low", "close"]] <= 0).any().any():
        raise BadBars(f"{source}: prices must be positive")
    return out.reset_index(drop=True)


def read_bar_file(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise BadBars(f"{path}: no such file")
    try:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except Exception as err:  # whatever the parser says, the file is not a bar table
        raise BadBars(
            f"{path}: cannot be read as {'Parquet' if path.suffix == '.parquet' else 'CSV'}: {err}"
        ) from err
    return check_bars(frame, str(path))


async def load_bars(args: argparse.Namespace, settings: Settings) -> pd.DataFrame:
    """Bars from --file, else from the running platform's market data service; checked either way."""
    if args.file is not None:
        return read_bar_file(args.file)
    from app.runtime import make_context
    from svc_inference.bar_source import MarketBarSource

    ctx = make_context(settings)
    try:
        bars = await MarketBarSource(ctx.clients, deadline_s=30.0).recent(
            args.symbol, args.timeframe, args.bars
        )
    finally:
        await ctx.clients.close()
        await ctx.db.dispose()
    return check_bars(bars, f"market data {args.symbol} {args.timeframe}")


def _refusing(command: str, run: Callable[[], int]) -> int:
    """Run a command; bad input ends it with one clear line on stderr and exit status 2."""
    from core.errors import InvalidArgument

    try:
        return run()
    except (BadBars, InvalidArgument, ValueError) as err:
        print(f"trading {command}: {err}", file=sys.stderr)
        return 2


def cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    async def main() -> int:
        from app.migrate import migrate
        from app.registry import load_spec
        from core.db import Database
        from svc_inference.commands import train_command

        bars = await load_bars(args, settings)
        # the model registry's tables, when this data directory or database has none yet
        await asyncio.to_thread(migrate, settings, [load_spec("inference")])
        db = Database(settings.effective_database_url)
        try:
            outcome = await train_command(
                symbol=args.symbol.upper(),
                bars=bars,
                db=db,
                data_dir=settings.data_dir,
                timeframe=args.timeframe,
                horizon=args.horizon,
                params=_params(args),
                promote=not args.no_promote,
            )
        finally:
            await db.dispose()
        record = outcome.record
        print(json.dumps({"model": record.name, "version": record.version, "status": record.status,
                          "promoted": outcome.promoted, "onnx_parity_max_abs_diff": outcome.max_parity_diff,
                          "metrics": record.metrics}, indent=2, default=str))  # fmt: skip
        return 0

    return _refusing("train", lambda: asyncio.run(main()))


def session_costs(symbol: str, *, spread: float | None, slippage: float, commission: float) -> Costs:
    """A flat `spread`, or market data's modelled spread of the session of each UTC hour."""
    if spread is not None:
        return Costs.flat(spread, slippage=slippage, commission=commission)
    from quant.trading_hours import session_at
    from svc_market.catalogue import BY_SYMBOL
    from svc_market.quotes import modelled_spread

    if symbol not in BY_SYMBOL:
        raise BadBars(f"no spread model for {symbol}: pass --spread")
    hours = [datetime(2024, 1, 1, h, tzinfo=UTC) for h in range(24)]
    return Costs(tuple(modelled_spread(symbol, session_at(h)) for h in hours), slippage, commission)


def progress_bar(stream: TextIO = sys.stderr, width: int = 30) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        filled = width * done // max(total, 1)
        stream.write(f"\rbacktest [{'#' * filled}{'.' * (width - filled)}] {done}/{total} folds")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


def cmd_backtest(args: argparse.Namespace, settings: Settings) -> int:
    async def main() -> int:
        from svc_inference.backtest import walk_forward
        from svc_inference.backtest_report import jsonable, write_report
        from svc_inference.signals import strategy_named

        symbol = args.symbol.upper()
        strategy = strategy_named(args.strategy)
        costs = session_costs(symbol, spread=args.spread, slippage=args.slippage, commission=args.commission)
        bars = await load_bars(args, settings)
        if args.start is not None:
            bars = bars[bars["ts"] >= pd.Timestamp(args.start)]
        if args.end is not None:
            bars = bars[bars["ts"] < pd.Timestamp(args.end)]
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        out = args.out or settings.data_dir / "backtests" / f"{symbol.lower()}-{args.strategy}-{stamp}"
        show = progress_bar() if args.progress or sys.stderr.isatty() else None
        report = await asyncio.to_thread(
            walk_forward, bars.reset_index(drop=True), strategy, symbol=symbol, timeframe=args.timeframe,
            params=_params(args), train_bars=args.train_bars, test_bars=args.test_bars, folds=args.folds,
            costs=costs, refit=not args.no_refit, seed=args.seed, progress=show,
        )  # fmt: skip
        name = f"{symbol.lower()}_{args.timeframe}_{args.strategy}"
        report = await asyncio.to_thread(write_report, report, out, name)
        files = {"trades_csv": report.csv_path, "summary_json": report.json_path, "html": report.html_path,
                 "equity_png": report.png_path}  # fmt: skip
        out = jsonable({"folds": report.folds, "summary": report.summary})
        print(json.dumps({**out, **files}, indent=2, default=str, allow_nan=False))
        return 0

    return _refusing("backtest", lambda: asyncio.run(main()))
