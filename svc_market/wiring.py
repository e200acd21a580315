"""Assembling the market service from what the composition root gives it: settings, clock,
database, bus and key-value store (for the sync's lease)."""

from __future__ import annotations

from trading.market.v1 import market_service_pb2_grpc as rpc

from core.breaker import BreakerConfig, CircuitBreaker
from core.clock import Clock
from core.db import Database
from core.lease import leased
from core.service import BackgroundTask, BuiltService, ServiceContext
from quant.bars import daily_anchor
from svc_market.adapters.demo import NoLiveQuotes, SimulatedBars
from svc_market.adapters.mysql import LegacyMySQLBars
from svc_market.adapters.polygon import PolygonBars, PolygonQuotes
from svc_market.config import MarketSettings
from svc_market.demo_data import seed_demo_data
from svc_market.demo_feed import DemoFeed
from svc_market.live import LiveQuotes
from svc_market.live_bars import LiveBarBuilder
from svc_market.market import Market
from svc_market.providers import BarsProvider, QuoteListener, QuotesProvider
from svc_market.quote_recorder import QuoteRecorder
from svc_market.quotes import QuoteBook
from svc_market.rollups import ensure_rollups
from svc_market.service import MarketDataServicer, MarketServicer
from svc_market.stream import PriceHub, Publisher
from svc_market.symbols import ensure_catalogue
from svc_market.sync import SyncJobs

SYNC_LEASE = "market.sync"  # one replica syncs per slot, cluster-wide
TICKER_LEASE = "market.tickers"  # one replica runs and publishes the ticker feeds, cluster-wide


def bars_provider(db: Database, settings: MarketSettings) -> BarsProvider:
    """Polygon with a key, else the simulated twin."""
    if settings.polygon_enabled and settings.polygon_api_key is not None:
        return PolygonBars(
            settings.polygon_api_key.get_secret_value(),
            settings.polygon_base_url,
            settings.polygon_page_limit,
        )
    return SimulatedBars(db, settings.demo_seed)


def fallback_provider(settings: MarketSettings) -> LegacyMySQLBars | None:
    if not settings.legacy_mysql_enabled or settings.legacy_mysql_url is None:
        return None
    return LegacyMySQLBars(settings.legacy_mysql_url.get_secret_value(), settings.legacy_mysql_timeout_s)


def quotes_provider(settings: MarketSettings, clock: Clock, listeners: list[QuoteListener]) -> QuotesProvider:
    """Polygon's WebSocket with a key, else the twin that never quotes."""
    if settings.live_enabled and settings.polygon_api_key is not None:
        return PolygonQuotes(
            settings.polygon_api_key.get_secret_value(),
            settings.polygon_ws_url,
            clock,
            listeners,
            settings.ws_backoff_initial_s,
            settings.ws_backoff_max_s,
        )
    return NoLiveQuotes()


def make_market(
    db: Database,
    clock: Clock,
    settings: MarketSettings,
    publisher: Publisher | None,
    *,
    bars: BarsProvider | None = None,
    fallback: BarsProvider | None = None,
) -> Market:
    """The market domain for a run; `bars` and `fallback` replace the providers the settings pick."""
    config = BreakerConfig(
        settings.breaker_failures, settings.breaker_call_timeout_s, settings.breaker_reset_s
    )
    bars = bars or bars_provider(db, settings)
    breaker = CircuitBreaker(bars.name, config, clock)  # defaults: core.breaker.POLYGON (seed 9.2)
    anchor = daily_anchor(settings.daily_anchor_hour_utc)
    recorder, live_bars = None, None
    listeners: list[QuoteListener] = []
    if settings.live_enabled:
        recorder = QuoteRecorder(
            db,
            clock,
            settings.quote_record_interval_s,
            settings.quote_flush_s,
            settings.quote_retention_days * 86400,
        )
        live_bars = LiveBarBuilder(db, clock, anchor, settings.live_bar_flush_s)
        listeners = [recorder, live_bars]
    live = quotes_provider(settings, clock, listeners)
    demo = DemoFeed(db, settings.demo_seed, anchor) if settings.demo_ticks else None
    quotes = LiveQuotes(QuoteBook(db, demo), live, clock, settings.live_quote_max_age_s)
    tickers = frozenset(symbol.upper() for symbol in settings.ticker_symbols)
    hub = PriceHub(quotes.quote, clock, publisher, settings.stream_interval_s, upstream=live, tickers=tickers)
    sync = SyncJobs(db, clock, settings, bars, breaker, fallback or fallback_provider(settings))
    return Market(db, clock, settings, breaker, quotes, hub, sync, live, recorder, demo, live_bars)


async def bootstrap_market(ctx: ServiceContext, settings: MarketSettings) -> None:
    """First start of the embedded run: simulated demo bars when no provider key is set."""
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


async def build_market(ctx: ServiceContext, settings: MarketSettings) -> BuiltService:
    """Servicers and background tasks: the ticker feeds (under a lease: one replica publishes each
    tick; the others serve the same series to their own stream subscribers), and with a provider
    key the sync loop (leased too), the quote recorder and the live bar builder."""
    market = make_market(ctx.db, ctx.clock, settings, ctx.bus)
    await ensure_catalogue(ctx.db)
    await market.sync.recover()
    await ensure_rollups(ctx.db, market.daily_anchor_s)  # once after the migration or an anchor change
    background: list[BackgroundTask] = []

    async def publish_tickers() -> None:
        await market.hub.hold(settings.ticker_symbols)

    if settings.ticker_symbols:
        background.append(leased(ctx.kv, ctx.clock, TICKER_LEASE, publish_tickers))
    if settings.polygon_enabled:
        background.append(leased(ctx.kv, ctx.clock, SYNC_LEASE, market.sync.keep_up_to_date))
    if market.recorder is not None:
        background.append(market.recorder.run)
    if market.live_bars is not None:
        background.append(market.live_bars.run)

    async def close() -> None:
        await market.hub.close()
        await market.sync.wait_idle()
        if market.recorder is not None:
            await market.recorder.flush()
        if market.live_bars is not None:
            await market.live_bars.flush()
        await market.sync.close()

    return BuiltService(
        servicers=[
            (rpc.add_MarketServiceServicer_to_server, MarketServicer(market)),
            (rpc.add_MarketDataServiceServicer_to_server, MarketDataServicer(market)),
        ],
        background=background,
        close=close,
    )
