"""Seed 9.1's Polygon row: while Polygon is rate-limited or its breaker is open, bars come from the
legacy MySQL store (the real aiomysql driver against the local MariaDB), marked as coming from it,
and health and metrics show it. Polygon is the real massive client against the loopback fake."""

from __future__ import annotations

from datetime import UTC, datetime

import aiomysql
import pytest
from prometheus_client import REGISTRY
from trading.market.v1 import market_messages_pb2 as pb

from core.clock import TestClock
from svc_market.adapters.mysql import LegacyMySQLBars
from svc_market.adapters.mysql.bars import connect_args, naive_utc
from svc_market.bar_store import SOURCE_LEGACY_MYSQL, load_bars
from svc_market.config import MarketSettings
from svc_market.models import Bar, Base
from svc_market.providers import BarsRequest
from svc_market.service import MarketDataServicer, MarketServicer
from svc_market.symbols import ensure_catalogue, get_symbol
from svc_market.wiring import make_market
from tests.market.market_helpers import T0, walk

DAY_BARS = 288
LEGACY = walk(list(range(T0, T0 + DAY_BARS * 300, 300)), start=1.2, seed=11)


async def _fill_legacy(url: str, symbol: str = "EURUSD") -> None:
    conn = await aiomysql.connect(autocommit=True, **connect_args(url))
    async with conn.cursor() as cursor:
        await cursor.execute("INSERT INTO tickers (symbol) VALUES (%s)", (symbol,))
        ticker_id = cursor.lastrowid
        await cursor.executemany(
            "INSERT INTO ohlcv_5m (ticker_id, `timestamp`, open, high, low, close, volume)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(ticker_id, naive_utc(ts), o, h, lo, c, v) for ts, o, h, lo, c, v in LEGACY.rows()],
        )
    conn.close()


def _fallbacks_served() -> float:
    return REGISTRY.get_sample_value("fallback_served_total", {"dependency": "polygon"}) or 0.0


@pytest.fixture
async def market(make_database, polygon, legacy_mysql_url):
    await _fill_legacy(legacy_mysql_url)
    db = await make_database(Base.metadata)
    await ensure_catalogue(db)
    settings = MarketSettings(
        polygon_api_key="test-key", polygon_base_url=f"http://127.0.0.1:{polygon.port}",
        legacy_mysql_url=legacy_mysql_url, sync_batch_rows=100, demo_ticks=False,
    )  # fmt: skip
    market = make_market(db, TestClock(datetime.fromtimestamp(T0 + 86400, UTC)), settings, None)
    yield market
    await market.sync.close()


async def _eurusd_id(market) -> int:
    async with market.db.session() as session:
        return (await get_symbol(session, "EURUSD")).id


async def _sync(market, from_ts: int | None = T0):
    ticker_id = await _eurusd_id(market)
    await market.sync.trigger(ticker_id, from_ts)
    await market.sync.wait_idle()
    return await market.sync.history(ticker_id)


async def _stored_sources(market) -> set[str]:
    from sqlalchemy import select

    async with market.db.session() as session:
        return set((await session.execute(select(Bar.source).distinct())).scalars())


async def test_the_legacy_store_reads_a_range_in_chunks(legacy_mysql_url) -> None:
    await _fill_legacy(legacy_mysql_url)
    store = LegacyMySQLBars(legacy_mysql_url)
    try:
        cursor = store.open(BarsRequest("EURUSD", "C:EURUSD", T0 + 300, T0 + 100 * 300))
        chunks = [await cursor.next_chunk(40) for _ in range(4)]
    finally:
        await store.close()
    assert [len(c) for c in chunks] == [40, 40, 19, 0]
    ts = [int(t) for c in chunks for t in c.ts]
    assert ts == list(range(T0 + 300, T0 + 100 * 300, 300))
    assert chunks[0].close[0] == pytest.approx(LEGACY.close[1])
    assert chunks[2].volume[-1] == pytest.approx(LEGACY.volume[99])


async def test_a_rate_limited_polygon_falls_back_to_the_legacy_store(market, polygon) -> None:
    polygon.rate_limited_left = 1
    served_before = _fallbacks_served()
    _, jobs = await _sync(market)
    assert jobs[0].state == "succeeded"
    assert jobs[0].records == DAY_BARS
    assert polygon.requests == 1  # the 429; every bar then came from MySQL
    assert await _stored_sources(market) == {SOURCE_LEGACY_MYSQL}
    async with market.db.session() as session:
        stored = await load_bars(session, await _eurusd_id(market), 300, None, None)
    assert stored.close.tolist() == pytest.approx(LEGACY.close.tolist())
    assert market.breaker.state == "closed"  # a 429 is not a failure
    assert _fallbacks_served() == served_before + 1

    reply = await MarketServicer(market).GetCandles(pb.GetCandlesRequest(symbol="EURUSD", tf="1h"), None)
    assert reply.source == SOURCE_LEGACY_MYSQL
    assert len(reply.candles) == 24
    health = await MarketDataServicer(market).GetDataHealth(pb.GetDataHealthRequest(), None)
    providers = {p.name: p for p in health.providers}
    assert providers["legacy_mysql"].active
    assert providers["legacy_mysql"].available
    assert not providers["polygon"].active
    assert health.status == "degraded"

    # Polygon answers again: the next job reads from it, and health says so
    market.clock.advance(3600)
    _, jobs = await _sync(market, from_ts=None)
    assert jobs[0].state == "succeeded"
    assert jobs[0].records == 12
    health = await MarketDataServicer(market).GetDataHealth(pb.GetDataHealthRequest(), None)
    providers = {p.name: p for p in health.providers}
    assert providers["polygon"].active
    assert not providers["legacy_mysql"].active
    assert health.status == "ok"
    reply = await MarketServicer(market).GetCandles(pb.GetCandlesRequest(symbol="EURUSD", tf="5m"), None)
    assert reply.source == "polygon"


async def test_an_open_breaker_sends_the_sync_to_the_legacy_store(market, polygon) -> None:
    polygon.down = True
    for _ in range(3):  # 503s are failures: three open the breaker (seed 9.2: 3 / 60 s / 300 s)
        _, jobs = await _sync(market)
        assert jobs[0].state == "failed"
        market.clock.advance(1)
    assert market.breaker.state == "open"
    seen = polygon.requests
    served_before = _fallbacks_served()
    health = await MarketDataServicer(market).GetDataHealth(pb.GetDataHealthRequest(), None)
    assert {p.name: p.available for p in health.providers}["polygon"] is False

    _, jobs = await _sync(market)
    assert jobs[0].state == "succeeded"
    assert jobs[0].records == DAY_BARS
    assert polygon.requests == seen  # the open circuit failed fast: Polygon was not called
    assert _fallbacks_served() == served_before + 1
    assert await _stored_sources(market) == {SOURCE_LEGACY_MYSQL}
    health = await MarketDataServicer(market).GetDataHealth(pb.GetDataHealthRequest(), None)
    providers = {p.name: p for p in health.providers}
    assert providers["legacy_mysql"].active
    assert providers["polygon"].retry_after_seconds > 0
    assert health.status == "degraded"


async def test_an_unreachable_legacy_store_fails_the_job_and_shows_in_health(make_database, polygon) -> None:
    db = await make_database(Base.metadata)
    await ensure_catalogue(db)
    settings = MarketSettings(
        polygon_api_key="test-key", polygon_base_url=f"http://127.0.0.1:{polygon.port}",
        legacy_mysql_url="mysql://root@127.0.0.1:1/nowhere", legacy_mysql_timeout_s=2.0, demo_ticks=False,
    )  # fmt: skip
    market = make_market(db, TestClock(datetime.fromtimestamp(T0 + 86400, UTC)), settings, None)
    polygon.rate_limited_left = 1
    _, jobs = await _sync(market)
    await market.sync.close()
    assert jobs[0].state == "failed"
    assert "legacy MySQL store" in jobs[0].error
    health = await MarketDataServicer(market).GetDataHealth(pb.GetDataHealthRequest(), None)
    assert {p.name: p.available for p in health.providers}["legacy_mysql"] is False


def test_the_store_url_is_checked() -> None:
    with pytest.raises(ValueError):
        connect_args("postgresql://root@127.0.0.1/legacy")
    assert connect_args("mysql://u:p%40ss@db:3307/legacy") == {
        "host": "db", "port": 3307, "user": "u", "password": "p@ss", "db": "legacy",
    }  # fmt: skip
