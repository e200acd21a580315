"""Stored roll-ups on both databases: every candle they serve equals quant.bars.resample of the
stored base bars (gaps, overlapping rewrites and the daily anchor included), and they commit or
roll back with the base bars."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import func, select

from quant.bars import Bars, daily_anchor, resample, timeframe_seconds
from svc_market.bar_store import SOURCE_IMPORT, load_bars, refresh_series, upsert_bars
from svc_market.candles import CandleQuery, get_candles
from svc_market.models import Base, RollupBar
from svc_market.rollups import ensure_rollups, registered_kinds, rollup_timeframes
from svc_market.symbols import ensure_catalogue, get_symbol
from tests.market.market_helpers import T0, walk

NOW = datetime(2025, 3, 1, tzinfo=UTC)
FX_DAY = daily_anchor(22)


@pytest.fixture
async def db(make_database):
    database = await make_database(Base.metadata)
    await ensure_catalogue(database)
    return database


def _gappy_slots(seed: int, days: int) -> np.ndarray:
    """5-minute slots over ``days`` with whole missing hours and days and scattered missing bars."""
    rng = np.random.default_rng(seed)
    ts = T0 + 300 * np.arange(days * 288, dtype=np.int64)
    keep = rng.random(ts.size) > 0.1
    keep &= ((ts - T0) // 86400) % 7 != 5  # one day a week with no bars at all
    keep &= ((ts - T0) // 3600) % 24 != 3  # 03:00-04:00 never traded
    return ts[keep]


def _assert_same(got: Bars, want: Bars) -> None:
    assert got.ts.tolist() == want.ts.tolist()
    for name in ("open", "high", "low", "close", "volume"):
        assert getattr(got, name).tolist() == getattr(want, name).tolist(), name


async def _store(db, symbol_id: int, bars: Bars, anchor: int) -> None:
    async with db.transaction() as s:
        await upsert_bars(s, symbol_id, 300, bars, SOURCE_IMPORT, batch_rows=700, daily_anchor_s=anchor)
        await refresh_series(s, symbol_id, 300, SOURCE_IMPORT)


async def _candles(db, tf: str, anchor: int, start: int | None = None, end: int | None = None) -> Bars:
    async with db.session() as s:
        _, bars, _ = await get_candles(s, CandleQuery("EURUSD", tf, start, end, 5000), NOW, anchor)
    return bars


async def _expected(db, symbol_id: int, tf: str, anchor: int) -> Bars:
    async with db.session() as s:
        base = await load_bars(s, symbol_id, 300, None, None)
    seconds = timeframe_seconds(tf)
    return resample(base, seconds, anchor if seconds >= 86400 else 0)


async def test_rollups_equal_resampling_after_overlapping_and_sparse_writes(db) -> None:
    async with db.session() as s:
        symbol_id = (await get_symbol(s, "EURUSD")).id
    slots = _gappy_slots(1, 40)
    first, second = slots[: slots.size * 2 // 3], slots[slots.size // 2 :]
    await _store(db, symbol_id, walk(first, seed=1), FX_DAY)
    # overlaps the first write with different prices, and extends it
    await _store(db, symbol_id, walk(second, start=1.3, seed=2), FX_DAY)
    # fills single missing bars inside buckets that already hold bars
    holes = np.setdiff1d(T0 + 300 * np.arange(40 * 288, dtype=np.int64), slots)[5:400:9]
    await _store(db, symbol_id, walk(holes, start=0.9, seed=3), FX_DAY)

    async with db.session() as s:
        kinds = await registered_kinds(s, symbol_id, 300)
        stored = (await s.execute(select(func.count()).select_from(RollupBar))).scalar_one()
    assert kinds == {(3600, 0), (14400, 0), (86400, FX_DAY)}
    assert stored > 0
    for tf in ("15m", "1h", "4h", "1d"):
        _assert_same(await _candles(db, tf, FX_DAY), await _expected(db, symbol_id, tf, FX_DAY))
    # a range that starts and ends inside buckets keeps whole candles whose open time is in it
    start, end = T0 + 3 * 86400 + 1234, T0 + 29 * 86400 + 4321
    for tf in ("1h", "4h", "1d"):
        want = await _expected(db, symbol_id, tf, FX_DAY)
        keep = (want.ts >= start) & (want.ts < end)
        idx = np.flatnonzero(keep)
        _assert_same(await _candles(db, tf, FX_DAY, start, end), want.slice(int(idx[0]), int(idx[-1]) + 1))


async def test_a_new_daily_anchor_is_built_at_start_and_the_old_one_kept_current(db) -> None:
    async with db.session() as s:
        symbol_id = (await get_symbol(s, "EURUSD")).id
    slots = _gappy_slots(4, 20)
    await _store(db, symbol_id, walk(slots[:3000], seed=4), 0)
    assert await ensure_rollups(db, FX_DAY) == 1
    assert await ensure_rollups(db, FX_DAY) == 0  # idempotent
    # a later write made under anchor 0 still keeps the 22:00 roll-up right
    await _store(db, symbol_id, walk(slots[2500:], start=1.2, seed=5), 0)
    for anchor in (0, FX_DAY):
        _assert_same(await _candles(db, "1d", anchor), await _expected(db, symbol_id, "1d", anchor))
    async with db.session() as s:
        assert {(86400, 0), (86400, FX_DAY)} <= await registered_kinds(s, symbol_id, 300)


async def test_series_written_before_rollups_existed_are_built_whole(db) -> None:
    async with db.session() as s:
        symbol_id = (await get_symbol(s, "EURUSD")).id
    slots = _gappy_slots(6, 15)
    await _store(db, symbol_id, walk(slots, seed=6), 0)
    async with db.transaction() as s:  # as if stored before the migration: no roll-ups at all
        await s.execute(RollupBar.__table__.delete())
        await s.execute(Base.metadata.tables["market_data.rollup_series"].delete())
    # a write far from the stored bars cannot build them from what it touches: it reads the series
    await _store(db, symbol_id, walk([int(slots[-1]) + 86400 * 3], seed=7), 0)
    for tf in ("1h", "4h", "1d"):
        _assert_same(await _candles(db, tf, 0), await _expected(db, symbol_id, tf, 0))


async def test_a_rolled_back_write_leaves_no_rollup_rows(db) -> None:
    async with db.session() as s:
        symbol_id = (await get_symbol(s, "EURUSD")).id

    async def write_then_fail() -> None:
        async with db.transaction() as s:
            await upsert_bars(s, symbol_id, 300, walk(_gappy_slots(8, 3)), SOURCE_IMPORT)
            raise RuntimeError("after the write")

    with pytest.raises(RuntimeError):
        await write_then_fail()
    async with db.session() as s:
        assert (await s.execute(select(func.count()).select_from(RollupBar))).scalar_one() == 0
        assert await registered_kinds(s, symbol_id, 300) == set()


def test_rollups_exist_where_1000_candles_would_read_12000_base_rows() -> None:
    assert rollup_timeframes(300) == [3600, 14400, 86400]
    assert rollup_timeframes(60) == [900, 1800, 3600, 14400, 86400]
    assert rollup_timeframes(3600) == [86400]
    assert rollup_timeframes(86400) == []
