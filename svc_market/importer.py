"""Bring-your-own bars: CSV or Parquet files validated whole, then stored in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.db import Database
from core.errors import InvalidArgument
from quant.bars import TIMEFRAME_SECONDS, Bars
from svc_market.bar_store import SOURCE_IMPORT, refresh_series, upsert_bars
from svc_market.symbols import get_symbol

FIELDS = ("time", "open", "high", "low", "close", "volume")
_ALIASES: dict[str, tuple[str, ...]] = {
    "time": ("time", "timestamp", "datetime", "date", "ts", "t"),
    "open": ("open", "o"),
    "high": ("high", "h"),
    "low": ("low", "l"),
    "close": ("close", "c"),
    "volume": ("volume", "vol", "v", "tick_volume", "tickvol"),
}
RESOLUTIONS = sorted(set(TIMEFRAME_SECONDS.values()))
MAX_REPORTED = 100


@dataclass(frozen=True)
class RowError:
    """A problem with one row; line is the file's line number (CSV) or 1-based row (Parquet)."""

    line: int
    message: str


@dataclass(frozen=True)
class ImportReport:
    """What an import stored."""

    symbol: str
    resolution_s: int
    rows: int
    first_ts: int
    last_ts: int


class ImportRejected(InvalidArgument):
    """The file has bad rows; nothing was stored."""

    def __init__(self, errors: list[RowError]) -> None:
        shown = errors[:MAX_REPORTED]
        super().__init__(
            f"{len(errors)} bad row(s); nothing imported",
            violations=[(f"line {e.line}", e.message) for e in shown],
            reason="IMPORT_REJECTED",
        )
        self.errors = errors


def read_table(path: Path) -> tuple[pd.DataFrame, int]:
    """The file's rows and the line number of its first data row."""
    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path), 1
    return pd.read_csv(path, skip_blank_lines=False, dtype=str), 2


def resolve_mapping(columns: list[str], mapping: Mapping[str, str] | None) -> dict[str, str]:
    """Our field -> the file's column, from the explicit mapping or by common names."""
    lower = {c.strip().lower(): c for c in columns}
    resolved: dict[str, str] = {}
    for field in FIELDS:
        if mapping and field in mapping:
            if mapping[field] not in columns:
                raise InvalidArgument(
                    f"column {mapping[field]!r} not in file", violations=[(field, "no such column")]
                )
            resolved[field] = mapping[field]
            continue
        found = next((lower[a] for a in _ALIASES[field] if a in lower), None)
        if found is None and field != "volume":
            raise InvalidArgument(f"no column for {field}", violations=[(field, "map it with --map")])
        if found is not None:
            resolved[field] = found
    return resolved


def parse_times(raw: pd.Series, tz: str) -> pd.Series:
    """Epoch seconds (int64, NaN-free where parseable) from epoch numbers or date-time text."""
    numeric = pd.to_numeric(raw, errors="coerce")
    if numeric.notna().all() and len(raw):
        scale = 1000 if numeric.abs().max() > 10**11 else 1
        return (numeric // scale).astype("float64")
    parsed = pd.to_datetime(raw, errors="coerce", utc=False, format="mixed")
    if getattr(parsed.dt, "tz", None) is None:
        parsed = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    # pandas' datetime unit varies (ns, us): divide by a Timedelta instead of assuming one
    seconds = (parsed.dt.tz_convert("UTC") - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    return seconds.astype("float64").where(parsed.notna())


def _row_errors(frame: pd.DataFrame, first_line: int) -> list[RowError]:
    errors: list[RowError] = []
    o, h, lo, c, v = (frame[f].to_numpy() for f in ("open", "high", "low", "close", "volume"))
    checks = (
        (np.isnan(frame["time"].to_numpy()), "unreadable time"),
        (np.isnan(o) | np.isnan(h) | np.isnan(lo) | np.isnan(c), "missing or non-numeric price"),
        ((o <= 0) | (h <= 0) | (lo <= 0) | (c <= 0), "prices must be positive"),
        (h < np.fmax(o, c), "high is below open or close"),
        (lo > np.fmin(o, c), "low is above open or close"),
        (np.isnan(v) | (v < 0), "volume must be a number >= 0"),
    )
    for mask, message in checks:
        errors.extend(RowError(int(i) + first_line, message) for i in np.flatnonzero(mask))
    return errors


def _duplicate_errors(times: np.ndarray, first_line: int) -> list[RowError]:
    valid = ~np.isnan(times)
    series = pd.Series(times[valid], index=np.flatnonzero(valid))
    dup = series[series.duplicated(keep="first")]
    firsts = series.drop_duplicates(keep="first")
    first_of = pd.Series(firsts.index, index=firsts.to_numpy())
    return [
        RowError(int(i) + first_line, f"duplicate timestamp (same as line {int(first_of[t]) + first_line})")
        for i, t in dup.items()
    ]


def infer_resolution(ts: np.ndarray) -> int:
    steps = np.diff(np.sort(ts))
    smallest = int(steps[steps > 0].min()) if steps.size else 86400
    fitting = [r for r in RESOLUTIONS if r <= smallest and smallest % r == 0]
    return max(fitting) if fitting else RESOLUTIONS[0]


def _alignment_errors(ts: np.ndarray, resolution_s: int, first_line: int) -> list[RowError]:
    if resolution_s >= 86400:
        return []
    bad = np.flatnonzero(ts % resolution_s != 0)
    return [RowError(int(i) + first_line, f"time is not on a {resolution_s}s bar boundary") for i in bad]


def validate_frame(
    frame: pd.DataFrame, mapping: dict[str, str], tz: str, first_line: int, resolution_s: int | None
) -> tuple[Bars, int]:
    """Bars sorted by time and their resolution, or ImportRejected with every bad line."""
    data = pd.DataFrame({"time": parse_times(frame[mapping["time"]], tz)})
    for field in ("open", "high", "low", "close"):
        data[field] = pd.to_numeric(frame[mapping[field]], errors="coerce").astype("float64")
    volume = frame[mapping["volume"]] if "volume" in mapping else pd.Series(0.0, index=frame.index)
    data["volume"] = pd.to_numeric(volume, errors="coerce").astype("float64")
    times = data["time"].to_numpy()
    errors = _row_errors(data, first_line) + _duplicate_errors(times, first_line)
    if not len(data):
        errors.append(RowError(first_line, "the file has no rows"))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    ts = times.astype(np.int64)
    resolution = resolution_s or infer_resolution(ts)
    misaligned = _alignment_errors(ts, resolution, first_line)
    if misaligned:
        raise ImportRejected(misaligned)
    order = np.argsort(ts, kind="stable")
    bars = Bars.from_columns(
        ts[order], *(data[f].to_numpy()[order] for f in ("open", "high", "low", "close", "volume"))
    )
    return bars, resolution


async def import_bars(
    db: Database,
    symbol: str,
    path: str | Path,
    mapping: Mapping[str, str] | None = None,
    tz: str = "UTC",
    resolution_s: int | None = None,
    daily_anchor_s: int = 0,
) -> ImportReport:
    """Validate the whole file, then store every bar in one transaction (all or nothing).

    ``mapping`` maps our fields (time, open, high, low, close, volume) to the file's columns;
    unmapped fields are found by common names. ``tz`` is the zone of naive time text. The bars'
    resolution is inferred from the smallest step unless given; ``daily_anchor_s`` is the daily anchor
    whose roll-up the series gets (svc_market/rollups.py).
    """
    frame, first_line = read_table(Path(path))
    resolved = resolve_mapping(list(frame.columns), mapping)
    bars, resolution = validate_frame(frame, resolved, tz, first_line, resolution_s)
    async with db.transaction() as session:
        row = await get_symbol(session, symbol)
        await upsert_bars(session, row.id, resolution, bars, SOURCE_IMPORT, daily_anchor_s=daily_anchor_s)
        await refresh_series(session, row.id, resolution, SOURCE_IMPORT)
    return ImportReport(row.symbol, resolution, len(bars), int(bars.ts[0]), int(bars.ts[-1]))
