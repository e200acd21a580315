"""Daily snapshots on the injected clock: balance, equity, flows, PnL, drawdown and the
time-weighted return, which a deposit does not move."""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal

from app.runtime import make_context
from core.settings import Settings
from svc_broker.broker import OrderRequest
from svc_broker.investment.config import InvestmentSettings
from svc_broker.investment.performance import DAY, Performance, next_midnight
from svc_broker.investment.wiring import SNAPSHOT_LEASE, build_investment
from svc_broker.market import StaticSymbolCatalog
from tests.broker.conftest import SYMBOLS
from tests.investment.conftest import OWNER, Kit

D = Decimal


async def test_snapshots_track_pnl_drawdown_and_a_time_weighted_return(kit: Kit) -> None:
    await kit.verified(OWNER, funds=500_000)
    account = await kit.accounts.open(OWNER, "atlas", 100_000, "USD", "open-key-0001")
    venue = account.row.venue_account or ""
    day1 = next_midnight(kit.clock.now())
    await kit.performance.snapshot_all(day1)

    # A 0.01 BTC long from 50,010 marked at 51,000 bid: +9.90 of open PnL.
    await kit.venue.place_order(venue, OrderRequest("BTCUSD", "buy", D("0.01")))
    kit.tick("BTCUSD", "51000", "51010")
    await kit.performance.snapshot_all(day1 + DAY)
    # Then the market falls back to 50,500 and the owner doubles the account.
    kit.tick("BTCUSD", "50500", "50510")
    await kit.accounts.deposit(OWNER, account.row.id, 100_000, "USD", "deposit-key-1")
    await kit.performance.snapshot_all(day1 + 2 * DAY)

    snaps = await kit.performance.between(account.row.id, None, None, 10, 0)
    assert [s.equity_minor for s in snaps] == [100_000, 100_990, 200_490]
    # Day 3's flows count from the day's start: (200,490 / (100,990 + 100,000)) x 1.0099 - 1.
    assert [s.return_percent for s in snaps] == [D("0"), D("0.9900"), D("0.7388")]
    assert snaps[2].drawdown_percent == D("0")  # the deposit lifts equity above the old peak
    assert (snaps[2].deposits_minor, snaps[2].pnl_minor) == (200_000, 490)
    assert await kit.performance.track_record("atlas") == (D("0.7388"), 1)
    assert await kit.performance.track_record("nova") == (D(0), 0)
    window = await kit.performance.between(account.row.id, day1 + DAY, day1 + 2 * DAY, 10, 0)
    assert [s.taken_at for s in window] == [day1 + DAY]
    assert (await kit.performance.snapshot(account.row, day1 + DAY)).taken_at == day1 + 2 * DAY  # no rewrite


async def test_the_daily_job_runs_at_midnight_of_the_injected_clock(kit: Kit) -> None:
    await kit.verified(OWNER, funds=500_000)
    account = await kit.accounts.open(OWNER, "atlas", 100_000, "USD", "open-key-0001")
    job = asyncio.create_task(kit.performance.run_daily())
    try:
        midnight = next_midnight(kit.clock.now())
        for _ in range(1000):  # bounded polling; the job sleeps on the test clock
            if await kit.performance.between(account.row.id, None, None, 10, 0):
                break
            await asyncio.sleep(0.01)
        job.cancel()
        first = (await kit.performance.between(account.row.id, None, None, 10, 0))[0]
        assert first.taken_at == midnight
    finally:
        job.cancel()


async def test_a_replica_taking_the_job_over_takes_the_missed_midnight_once(kit: Kit) -> None:
    await kit.verified(OWNER, funds=500_000)
    account = await kit.accounts.open(OWNER, "atlas", 100_000, "USD", "open-key-0001")
    missed = next_midnight(kit.clock.now())
    kit.clock.advance(24 * 3600)  # the holder died before midnight; another replica starts after it
    other_replica = Performance(kit.db, kit.clock, kit.accounts)
    await asyncio.gather(kit.performance.snapshot_all(missed), other_replica.snapshot_all(missed))
    job = asyncio.create_task(other_replica.run_daily())
    try:
        for _ in range(1000):  # bounded polling; the job sleeps on the test clock
            if len(await kit.performance.between(account.row.id, None, None, 10, 0)) >= 2:
                break
            await asyncio.sleep(0.01)
    finally:
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job
    taken = [s.taken_at for s in await kit.performance.between(account.row.id, None, None, 10, 0)]
    assert taken[:2] == [missed, missed + DAY]  # one row per midnight, none skipped, none twice
    assert len(set(taken)) == len(taken)


async def test_the_daily_job_runs_under_its_cluster_wide_lease(kit: Kit, tmp_path) -> None:
    ctx = make_context(Settings(data_dir=tmp_path))
    try:
        built = build_investment(ctx, InvestmentSettings(), kit.venue, StaticSymbolCatalog(SYMBOLS), kit.book)
        names = [task.__qualname__ for task in built.background]
    finally:
        await ctx.db.dispose()
    assert f"leased({SNAPSHOT_LEASE})" in names
    assert "Performance.run_daily" not in names  # never unleased beside it
