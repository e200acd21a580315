"""`trading data import`: bars from a CSV or Parquet file into the market_data schema."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence

from core.db import Database
from core.settings import Settings
from quant.bars import daily_anchor
from svc_market.config import MarketSettings
from svc_market.importer import ImportRejected, import_bars
from svc_market.models import Base
from svc_market.symbols import ensure_catalogue


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--symbol", required=True, help="platform symbol, e.g. EURUSD")
    parser.add_argument("--file", required=True, help="a .csv or .parquet file of bars")
    parser.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                        help="map time/open/high/low/close/volume to a column (repeatable)")  # fmt: skip
    parser.add_argument("--tz", default="UTC", help="time zone of naive times in the file")
    parser.add_argument(
        "--resolution", type=int, default=None, help="bar length in seconds (default: inferred)"
    )


async def run_import(args: argparse.Namespace, db: Database) -> int:
    mapping = dict(item.split("=", 1) for item in args.map)
    await ensure_catalogue(db)
    try:
        anchor = daily_anchor(MarketSettings().daily_anchor_hour_utc)
        report = await import_bars(db, args.symbol, args.file, mapping, args.tz, args.resolution, anchor)
    except ImportRejected as exc:
        print(f"rejected: {exc.message}")
        for error in exc.errors:
            print(f"  line {error.line}: {error.message}")
        return 1
    print(f"imported {report.rows} bars of {report.symbol} at {report.resolution_s}s")
    return 0


def import_command(argv: Sequence[str], settings: Settings | None = None) -> int:
    """Parse `--symbol --file [--map F=C] [--tz] [--resolution]`, import, return the exit code."""
    parser = argparse.ArgumentParser(prog="trading data import")
    add_import_arguments(parser)
    args = parser.parse_args(list(argv))
    settings = settings or Settings()

    async def main() -> int:
        db = Database(settings.effective_database_url)
        try:
            await db.create_all([Base.metadata])
            return await run_import(args, db)
        finally:
            await db.dispose()

    return asyncio.run(main())
