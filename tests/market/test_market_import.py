"""CSV/Parquet import: validation by line, all-or-nothing, timezones, any base resolution."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from svc_market.bar_store import load_bars, series_of
from svc_market.candles import CandleQuery, get_candles
from svc_market.importer import ImportRejected, import_bars
from svc_market.models import Base
from svc_market.symbols import ensure_catalogue, get_symbol
from tests.market.market_helpers import T0

AFTER = datetime.fromtimestamp(T0 + 86400, UTC)  # "now" for reads: a day after the imported bars


@pytest.fixture
async def db(make_database):
    database = await make_database(Base.metadata)
    await ensure_catalogue(database)
    return database


def _write_csv(path, rows: list[str]) -> str:
    path.write_text("Date,Open,High,Low,Close,Volume\n" + "\n".join(rows) + "\n")
    return str(path)


async def _stored(db, symbol: str = "EURUSD") -> int:
    async with db.session() as s:
        row = await get_symbol(s, symbol)
        return sum(x.bar_count for x in await series_of(s, row.id))


async def test_csv_with_local_times_is_stored_in_utc_at_its_resolution(db, tmp_path) -> None:
    rows = [f"2025-01-06 {h:02d}:{m:02d}:00,1.1,1.2,1.0,1.15,10" for h in (9, 10) for m in range(0, 60, 15)]
    report = await import_bars(db, "eurusd", _write_csv(tmp_path / "b.csv", rows), tz="Europe/Madrid")
    assert report.resolution_s == 900
    assert report.rows == 8
    assert report.first_ts == int(datetime(2025, 1, 6, 8, tzinfo=UTC).timestamp())


async def test_bad_rows_are_reported_by_line_and_nothing_is_stored(db, tmp_path) -> None:
    rows = [
        "2025-01-06 00:00:00,1.1,1.2,1.0,1.15,10",  # line 2 ok
        "2025-01-06 00:05:00,1.1,1.05,1.0,1.15,10",  # line 3 high below close
        "2025-01-06 00:10:00,1.1,1.2,1.12,1.15,10",  # line 4 low above open
        "2025-01-06 00:00:00,1.1,1.2,1.0,1.15,10",  # line 5 duplicate of line 2
        "not a time,1.1,1.2,1.0,1.15,10",  # line 6
        "2025-01-06 00:20:00,-1,1.2,1.0,1.15,10",  # line 7
    ]
    with pytest.raises(ImportRejected) as caught:
        await import_bars(db, "EURUSD", _write_csv(tmp_path / "bad.csv", rows))
    lines = {e.line: e.message for e in caught.value.errors}
    assert set(lines) == {3, 4, 5, 6, 7}
    assert "high" in lines[3]
    assert "low" in lines[4]
    assert "line 2" in lines[5]
    assert await _stored(db) == 0


async def test_a_valid_file_after_a_rejected_one_is_stored_whole(db, tmp_path) -> None:
    good = [f"{T0 + 300 * i},1.1,1.2,1.0,1.15,1" for i in range(25_000)]
    path = _write_csv(tmp_path / "good.csv", good)
    report = await import_bars(db, "EURUSD", path)
    assert report.rows == 25_000
    assert await _stored(db) == 25_000
    await import_bars(db, "EURUSD", path)  # idempotent
    assert await _stored(db) == 25_000


async def test_parquet_with_a_column_mapping_serves_coarser_timeframes(db, tmp_path) -> None:
    frame = pd.DataFrame(
        {
            "when": [T0 + 60 * i for i in range(120)],
            "o": 1.0,
            "hi": [1.0 + i / 1000 for i in range(120)],
            "lo": 0.9,
            "c": 0.95,
            "qty": 1.0,
        }
    )
    path = tmp_path / "bars.parquet"
    frame.to_parquet(path)
    mapping = {"time": "when", "open": "o", "high": "hi", "low": "lo", "close": "c", "volume": "qty"}
    report = await import_bars(db, "EURUSD", path, mapping)
    assert report.resolution_s == 60
    async with db.session() as s:
        _, hourly, _ = await get_candles(s, CandleQuery("EURUSD", "1h", T0, T0 + 7200), AFTER, 0)
        row = await get_symbol(s, "EURUSD")
        assert len(await load_bars(s, row.id, 60, None, T0 + 7200)) == 120
    assert hourly.ts.tolist() == [T0, T0 + 3600]
    assert hourly.high.tolist() == [1.059, 1.119]
    assert hourly.volume.tolist() == [60.0, 60.0]


async def test_unknown_symbol_is_not_found(db, tmp_path) -> None:
    from core.errors import NotFound

    with pytest.raises(NotFound):
        await import_bars(db, "NOPE", _write_csv(tmp_path / "b.csv", [f"{T0},1,1,1,1,1"]))
