"""Assembling the market service for a run."""

from __future__ import annotations

from trading.market.v1 import market_service_pb2_grpc as rpc

from core.breaker import BreakerConfig, CircuitBreaker
from core.clock import Clock
from core.db import Database
from core.service import BackgroundTask, BuiltService, ServiceContext
from quant.bars import daily_anchor
from svc_market.config import MarketSettings
from svc_market.demo_data import seed_demo_data
from svc_market.demo_feed import DemoFeed
from svc_market.live import LiveQuotes, PolygonStream, QuoteRecorder
from svc_market.market import Market
from svc_market.polygon import PolygonBars
from svc_market.quotes import QuoteBook
from svc_market.rollups import ensure_rollups
from svc_market.stream import PriceHub, Publisher
from svc_market.symbols import ensure_catalogue
from svc_market.sync import SyncJobs


def make_market(db: Database, clock: Clock, settings: MarketSettings, publisher: Publisher | None) -> Market:
    config = BreakerConfig(
        settings.breaker_failures, settings.breaker_call_timeout_s, settings.breaker_reset_s
    )
    breaker = CircuitBreaker("polygon", config, clock)  # defaults: core.breaker.POLYGON (seed 9.2)
    provider = None
    if settings.polygon_enabled and settings.polygon_api_key is not None:
        provider = PolygonBars(
            settings.polygon_api_key.get_secret_value(),
            settings.polygon_base_url,
            settings.polygon_page_limit,
        )
    stream, recorder = None, None
    if settings.live_enabled and settings.polygon_api_key is not None:
        recorder = QuoteRecorder(
            db,
            clock,
            settings.quote_record_interval_s,
            settings.quote_flush_s,
            settings.quote_retention_days * 86400,
        )
        stream = PolygonStream(
            settings.polygon_api_key.get_secret_value(),
            settings.polygon_ws_url,
            clock,
            recorder,
            settings.ws_backoff_initial_s,
            settings.ws_backoff_max_s,
        )
    demo = (
        DemoFeed(db, settings.demo_seed, daily_anchor(settings.daily_anchor_hour_utc))
        if settings.demo_ticks
        else None
    )
    quotes = LiveQuotes(QuoteBook(db, demo), stream, clock, settings.live_quote_max_age_s)
    hub = PriceHub(quotes.quote, clock, publisher, settings.stream_interval_s, upstream=stream)
    sync = SyncJobs(db, clock, settings, provider, breaker)
    return Market(db, clock, settings, breaker, quotes, hub, sync, stream, recorder, demo)


async def bootstrap(ctx: ServiceContext) -> None:
    """First start of the embedded run: simulated demo bars when no provider key is set."""
    settings = MarketSettings()
    if not settings.polygon_enabled and settings.demo_days > 0:
        await ensure_catalogue(ctx.db)
        await seed_demo_data(
            ctx.db,
            ctx.clock,
            settings.demo_symbols,
            settings.demo_days,
            settings.demo_seed,
            daily_anchor(settings.daily_anchor_hour_utc),
        )


async def build(ctx: ServiceContext) -> BuiltService:
    """Servicers and, with a provider key, the sync scheduler."""
    from svc_market.service import MarketDataServicer, MarketServicer

    settings = MarketSettings()
    market = make_market(ctx.db, ctx.clock, settings, ctx.bus)
    await ensure_catalogue(ctx.db)
    await market.sync.recover()
    await ensure_rollups(ctx.db, market.daily_anchor_s)  # once after the migration or an anchor change
    background: list[BackgroundTask] = []

    async def publish_tickers() -> None:
        await market.hub.hold(settings.ticker_symbols)

    if settings.ticker_symbols:
        background.append(publish_tickers)
    if settings.polygon_enabled:
        background.append(market.sync.keep_up_to_date)
    if market.recorder is not None:
        background.append(market.recorder.run)

    async def close() -> None:
        await market.hub.close()
        await market.sync.wait_idle()
        if market.recorder is not None:
            await market.recorder.flush()

    return BuiltService(
        servicers=[
            (rpc.add_MarketServiceServicer_to_server, MarketServicer(market)),
            (rpc.add_MarketDataServiceServicer_to_server, MarketDataServicer(market)),
        ],
        background=background,
        close=close,
    )
