"""Polygon sync through the real massive client against a fake aggregates server on loopback."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from core.bus import InProcessBus
from core.clock import Clock, TestClock
from core.errors import AlreadyExists
from core.kv import MemoryKeyValue
from core.lease import leased
from core.service import ServiceContext
from core.settings import Settings
from svc_market.config import MarketSettings
from svc_market.models import Base
from svc_market.symbols import ensure_catalogue
from svc_market.sync import provider_available
from svc_market.wiring import SYNC_LEASE, build_market, make_market
from tests.market.market_helpers import T0
from tests.market.polygon_fakes import PAGE


@pytest.fixture
async def market(make_database, polygon):
    db = await make_database(Base.metadata)
    await ensure_catalogue(db)
    settings = MarketSettings(
        polygon_api_key="test-key", polygon_base_url=f"http://127.0.0.1:{polygon.port}", sync_batch_rows=120,
        rate_limit_backoff_s=0.001,
    )  # fmt: skip
    clock = TestClock(datetime.fromtimestamp(T0 + 86400, UTC))
    return make_market(db, clock, settings, None)


async def _history(market, ticker_id: int = 1):
    await market.sync.wait_idle()
    return await market.sync.history(ticker_id)


async def test_backfill_follows_next_url_pages_and_stores_every_bar(market, polygon) -> None:
    await market.sync.trigger(1, T0)
    status, jobs = await _history(market)
    assert jobs[0].state == "succeeded"
    assert jobs[0].records == 288
    assert status.records_count == 288
    assert status.last_sync is not None
    assert polygon.requests == 288 // PAGE + 1


async def test_incremental_sync_resumes_after_the_newest_bar(market, polygon) -> None:
    await market.sync.trigger(1, T0)
    await market.sync.wait_idle()
    market.clock.advance(3600)
    await market.sync.trigger(1)
    status, jobs = await _history(market)
    assert [j.records for j in jobs] == [12, 288]
    assert status.records_count == 300


async def test_rate_limited_pages_are_retried_with_backoff(market, polygon) -> None:
    polygon.rate_limited_left = 4  # more than the breaker's 3: a 429 does not count as a failure
    await market.sync.trigger(1, T0)
    status, jobs = await _history(market)
    assert jobs[0].state == "succeeded"
    assert status.records_count == 288
    assert market.breaker.state == "closed"
    assert provider_available(market.breaker)


async def test_an_outage_opens_the_breaker_after_three_failures(market, polygon) -> None:
    polygon.down = True
    for _ in range(3):
        await market.sync.trigger(1, T0)
        await market.sync.wait_idle()
        market.clock.advance(1)
    assert not provider_available(market.breaker)
    assert market.breaker.state == "open"
    seen = polygon.requests
    await market.sync.trigger(1, T0)
    _, jobs = await _history(market)
    assert polygon.requests == seen
    assert "circuit open" in jobs[0].error
    market.clock.advance(300)
    polygon.down = False
    assert provider_available(market.breaker)
    await market.sync.trigger(1, T0)
    _, jobs = await _history(market)
    assert jobs[0].state == "succeeded"


async def test_a_ticker_never_syncs_twice_at_once_and_a_restart_fails_unfinished_jobs(market) -> None:
    from svc_market.models import SyncJob

    async with market.db.transaction() as s:
        s.add(SyncJob(id="00000000-0000-0000-0000-000000000001", symbol_id=1, state="running", records=0,
                      error="", created_at=market.clock.now()))  # fmt: skip
    with pytest.raises(AlreadyExists):
        await market.sync.trigger(1, T0)
    assert await market.sync.recover() == 1
    await market.sync.trigger(1, T0)
    _, jobs = await _history(market)
    states = {j.id: j.state for j in jobs}
    assert states["00000000-0000-0000-0000-000000000001"] == "failed"
    assert sorted(states.values()) == ["failed", "succeeded"]


async def test_one_replica_syncs_at_a_time_under_the_lease(make_database, polygon) -> None:
    db = await make_database(Base.metadata)
    await ensure_catalogue(db)
    settings = MarketSettings(
        polygon_api_key="test-key", polygon_base_url=f"http://127.0.0.1:{polygon.port}",
        sync_interval_s=0.01, backfill_days=0,
    )  # fmt: skip
    kv = MemoryKeyValue(Clock())
    replicas = [make_market(db, Clock(), settings, None) for _ in range(2)]
    tasks = [asyncio.create_task(leased(kv, m.clock, SYNC_LEASE, m.sync.keep_up_to_date)()) for m in replicas]
    try:
        async with asyncio.timeout(30):
            while max(m.sync.rounds for m in replicas) < 3:
                await asyncio.sleep(0.01)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for m in replicas:
            await m.sync.wait_idle()
    assert sorted(m.sync.rounds > 0 for m in replicas) == [False, True]


async def test_the_wiring_runs_the_sync_loop_under_its_lease(make_database, polygon) -> None:
    db = await make_database(Base.metadata)
    clock = TestClock(datetime.fromtimestamp(T0, UTC))
    ctx = ServiceContext(
        settings=Settings(), db=db, bus=InProcessBus(), kv=MemoryKeyValue(clock), clock=clock,
        clients=None, keys=None,  # type: ignore[arg-type]
    )  # fmt: skip
    settings = MarketSettings(polygon_api_key="test-key", polygon_base_url=f"http://127.0.0.1:{polygon.port}")
    built = await build_market(ctx, settings)
    assert f"leased({SYNC_LEASE})" in [task.__qualname__ for task in built.background]
    assert built.close is not None
    await built.close()
