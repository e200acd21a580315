"""The demo run's tick feed continues the stored simulated series: ticks walk the forming bar,
the bar stored when it ends is what its ticks made, and after a restart the series resumes where
it stopped and fills the gap; two market replicas' feeds on one database price and store the same
series, and a replica started before the demo bars were seeded prices them once they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import delete

from core.clock import TestClock
from svc_market.bar_store import load_bars, series_of
from svc_market.demo_data import BAR_S, seed_demo_data
from svc_market.demo_feed import DemoFeed
from svc_market.models import Bar, Base
from svc_market.symbols import get_symbol

START = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)  # Monday noon: EURUSD trades


@pytest.fixture
async def db(make_database):
    database = await make_database(Base.metadata)
    await seed_demo_data(database, TestClock(START), ["EURUSD"], days=1)
    return database


async def stored(db, since: datetime) -> list[tuple[int, float, float, float, float]]:
    async with db.session() as s:
        row = await get_symbol(s, "EURUSD")
        bars = await load_bars(s, row.id, BAR_S, int(since.timestamp()), None)
    return list(zip(bars.ts.tolist(), bars.open, bars.high, bars.low, bars.close, strict=True))


async def test_ticks_walk_the_forming_bar_and_the_ended_bar_is_what_they_made(db) -> None:
    feed = DemoFeed(db, seed=7)
    ticks = [(await feed.mid("EURUSD", START + timedelta(seconds=s)))[0] for s in range(0, BAR_S, 5)]
    [(_, last_close, *_)] = [b[:1] + b[4:] for b in await stored(db, START - timedelta(seconds=BAR_S))]
    assert ticks[0] == last_close  # the forming bar opens at the stored series' last close
    await feed.catch_up("EURUSD", START + timedelta(seconds=BAR_S))  # the bar has ended: stored
    [(ts, o, h, lo, c)] = await stored(db, START)
    assert (ts, o) == (int(START.timestamp()), ticks[0])
    assert (lo, h) == (min(ticks), max(ticks))  # the path turns at 100 s and 200 s, both sampled
    assert (await feed.mid("EURUSD", START + timedelta(seconds=BAR_S)))[0] == c  # the next opens there


async def test_the_forming_bar_is_stored_as_far_as_it_has_come(db) -> None:
    feed = DemoFeed(db, seed=7)
    now = START + timedelta(seconds=200)
    await feed.catch_up("EURUSD", now, forming=True)
    [(_, _, h, lo, c)] = await stored(db, START)
    assert c == (await feed.mid("EURUSD", now))[0]
    assert lo <= c <= h


async def series(db) -> tuple[int, int, int]:
    async with db.session() as s:
        row = await get_symbol(s, "EURUSD")
        [base] = [info for info in await series_of(s, row.id) if info.resolution_s == BAR_S]
    return base.first_ts, base.last_ts, base.bar_count


async def test_the_series_range_follows_the_forming_bar_however_often_it_is_stored(db) -> None:
    feed = DemoFeed(db, seed=7)
    first, _, count = await series(db)
    for seconds in (10, 100, 200):  # one forming bar, stored three times
        await feed.catch_up("EURUSD", START + timedelta(seconds=seconds), forming=True)
        assert await series(db) == (first, int(START.timestamp()), count + 1)
    await feed.catch_up("EURUSD", START + timedelta(seconds=BAR_S + 10), forming=True)  # the next
    assert await series(db) == (first, int(START.timestamp()) + BAR_S, count + 2)
    restarted = DemoFeed(db, seed=7)  # a new process: the stored forming bar is its series' end
    assert await restarted.prices("EURUSD", START + timedelta(seconds=BAR_S + 20))
    await restarted.catch_up("EURUSD", START + timedelta(seconds=BAR_S + 20), forming=True)
    assert await series(db) == (first, int(START.timestamp()) + BAR_S, count + 2)


async def test_after_a_restart_the_series_resumes_and_fills_the_gap(db) -> None:
    first = DemoFeed(db, seed=7)
    await first.catch_up("EURUSD", START + timedelta(minutes=30))
    later = START + timedelta(hours=3)
    restarted = DemoFeed(db, seed=7)  # a new process: nothing cached
    await restarted.catch_up("EURUSD", later)
    bars = await stored(db, START)
    assert [b[0] for b in bars] == list(range(int(START.timestamp()), int(later.timestamp()), BAR_S))
    assert all(nxt[1] == prev[4] for prev, nxt in pairwise(bars))  # no jumps

    async with db.transaction() as s:  # what a feed that never paused stores: the same bars
        row = await get_symbol(s, "EURUSD")
        await s.execute(delete(Bar).where(Bar.symbol_id == row.id, Bar.ts >= int(START.timestamp())))
    await DemoFeed(db, seed=7).catch_up("EURUSD", later)
    assert await stored(db, START) == bars


async def test_a_sync_without_a_key_writes_the_bars_the_feed_would(db) -> None:
    from svc_market.config import MarketSettings
    from svc_market.wiring import make_market

    feed = DemoFeed(db, seed=7)
    await feed.catch_up("EURUSD", START + timedelta(hours=1))
    fed = await stored(db, START)
    async with db.transaction() as s:
        await s.execute(delete(Bar).where(Bar.ts >= int(START.timestamp())))
    settings = MarketSettings(polygon_api_key=None, demo_seed=7, demo_ticks=False)
    market = make_market(db, TestClock(START + timedelta(hours=1)), settings, None)
    assert market.sync.provider.name == "simulated"  # the twin, not None
    async with db.session() as s:
        ticker_id = (await get_symbol(s, "EURUSD")).id
    await market.sync.trigger(ticker_id, int(START.timestamp()))
    await market.sync.wait_idle()
    _, jobs = await market.sync.history(ticker_id)
    assert jobs[0].state == "succeeded"
    assert await stored(db, START) == fed
    assert len(fed) == 12


async def test_two_replicas_price_and_store_the_same_series(db, make_database) -> None:
    """The ticker feed's holder stores the bars as they end; another replica serving a stream of
    the same symbol prices each instant alike and stores the same bars (chart, stream and the
    broker's fills agree whichever replica answers)."""
    holder, other = DemoFeed(db, seed=7), DemoFeed(db, seed=7)
    instants = [START + timedelta(seconds=s) for s in range(0, 5 * BAR_S, 37)]
    for i, now in enumerate(instants):
        first, second = (holder, other) if i % 3 else (other, holder)  # each stores some bars first
        assert await first.mid("EURUSD", now) == await second.mid("EURUSD", now)
    end = instants[-1]
    both = await stored(db, START)

    alone = await make_database(Base.metadata)  # what one feed alone stores
    await seed_demo_data(alone, TestClock(START), ["EURUSD"], days=1)
    await DemoFeed(alone, seed=7).catch_up("EURUSD", end)
    assert both == await stored(alone, START)
    assert len(both) == 4


async def test_a_replica_started_before_the_seed_prices_the_series_once_seeded(make_database) -> None:
    db = await make_database(Base.metadata)
    from svc_market.symbols import ensure_catalogue

    await ensure_catalogue(db)
    feed = DemoFeed(db, seed=7)
    assert not await feed.prices("EURUSD", START)  # nothing stored yet: asked again later
    await seed_demo_data(db, TestClock(START), ["EURUSD"], days=1)
    assert await feed.prices("EURUSD", START)
