"""Polygon sync through the real massive client against a fake aggregates server on loopback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiohttp import web

from core.clock import TestClock
from core.errors import AlreadyExists
from svc_market.build import make_market
from svc_market.config import MarketSettings
from svc_market.models import Base
from svc_market.symbols import ensure_catalogue
from svc_market.sync import provider_available
from tests.market.market_helpers import T0

PAGE = 50


class FakePolygon:
    """GET /v2/aggs/ticker/{ticker}/range/5/minute/{from}/{to}, pages linked by next_url."""

    def __init__(self) -> None:
        self.rate_limited_left = 0
        self.down = False
        self.requests = 0
        self.port = 0

    async def aggs(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.down:
            return web.json_response({"status": "ERROR"}, status=503)
        if self.rate_limited_left:
            self.rate_limited_left -= 1
            return web.json_response({"status": "ERROR", "error": "too many requests"}, status=429)
        start, end = int(request.match_info["start"]) // 1000, int(request.match_info["end"]) // 1000
        first = -(-start // 300) * 300
        times = list(range(first, min(end, first + PAGE * 300), 300))
        results = [{"t": t * 1000, "o": 1.1, "h": 1.2, "l": 1.0, "c": 1.15, "v": 5} for t in times]
        body: dict = {"status": "OK", "resultsCount": len(results), "results": results}
        if times and times[-1] + 300 < end:
            ticker = request.match_info["ticker"]
            body["next_url"] = (
                f"http://127.0.0.1:{self.port}/v2/aggs/ticker/{ticker}/range/5/minute/"
                f"{(times[-1] + 300) * 1000}/{end * 1000}?cursor=abc"
            )
        return web.json_response(body)


@pytest.fixture
async def polygon():
    fake = FakePolygon()
    app = web.Application()
    app.router.add_get("/v2/aggs/ticker/{ticker}/range/5/minute/{start}/{end}", fake.aggs)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield fake
    await runner.cleanup()


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
