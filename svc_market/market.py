"""The market data domain assembled: what the servicers call (no gRPC types here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.breaker import CircuitBreaker
from core.clock import Clock
from core.coalesce import NextRun
from core.db import Database
from core.errors import InvalidArgument
from quant.bars import Bars, daily_anchor
from svc_market import analytics, symbols
from svc_market.analytics import IndicatorPoint
from svc_market.candles import CandleQuery, Freshness, freshness_of, get_candles
from svc_market.catalogue import BY_SYMBOL
from svc_market.config import MarketSettings
from svc_market.demo_feed import DemoFeed
from svc_market.health import DataHealth, data_health
from svc_market.live import LiveQuotes
from svc_market.live_bars import LiveBarBuilder
from svc_market.models import Symbol
from svc_market.providers import QuotesProvider
from svc_market.quote_recorder import QuoteRecorder
from svc_market.quotes import Quote
from svc_market.spreads import SpreadSummary, spread_summary
from svc_market.stream import PriceHub
from svc_market.sync import SyncJobs, provider_available


@dataclass
class Market:
    """Everything the market servicers need, built once per run."""

    db: Database
    clock: Clock
    settings: MarketSettings
    breaker: CircuitBreaker
    quotes: LiveQuotes
    hub: PriceHub
    sync: SyncJobs
    live: QuotesProvider  # Polygon's WebSocket with a key, else the twin that never quotes
    recorder: QuoteRecorder | None = None
    demo: DemoFeed | None = None  # the demo run's tick feed, extending simulated series
    live_bars: LiveBarBuilder | None = None  # bars built from live quotes
    _forming: dict[str, NextRun] = field(default_factory=dict, init=False, repr=False)

    @property
    def daily_anchor_s(self) -> int:
        return daily_anchor(self.settings.daily_anchor_hour_utc)

    @property
    def provider_available(self) -> bool:
        """Whether the bars provider's breaker lets calls through now."""
        return provider_available(self.breaker)

    async def list_symbols(self, asset_type: str | None) -> list[Symbol]:
        async with self.db.session() as session:
            return await symbols.list_symbols(session, asset_type)

    async def quote(self, symbol: str) -> Quote:
        return await self.quotes.quote(symbol, self.clock.now())

    async def candles(self, query: CandleQuery) -> tuple[str, Bars, Freshness]:
        code, now = query.symbol.upper(), self.clock.now()
        if self.demo is not None and code in BY_SYMBOL and await self.demo.prices(code, now):
            await self._store_forming(code)  # up to this tick
        if self.live_bars is not None:
            await self.live_bars.flush(code)  # up to the newest live quote
        async with self.db.session() as session:
            symbol, bars, series = await get_candles(session, query, self.clock.now(), self.daily_anchor_s)
        return symbol, bars, self._freshness(series)

    async def _store_forming(self, code: str) -> None:
        """The demo feed's forming bar, stored as of a moment after this call. Requests that come
        while one such write is under way share the next one (one transaction, not one each on
        the same rows), which starts later than any of them."""
        demo = self.demo
        assert demo is not None
        if code not in self._forming:

            async def write() -> None:
                await demo.catch_up(code, self.clock.now(), forming=True)

            self._forming[code] = NextRun(write)
        await self._forming[code]()

    def _freshness(self, series: list) -> Freshness:
        available = self.provider_available if self.settings.polygon_enabled else False
        return freshness_of(series, self.clock.now(), self.settings.stale_after_s, available)

    async def indicators(
        self, symbol: str, timeframe: str, points: int
    ) -> tuple[str, list[IndicatorPoint], Freshness]:
        """The newest ``points`` bars' indicators, computed over enough history for warm-up."""
        count = points + analytics.WARMUP_BARS
        query = CandleQuery(symbol, timeframe, None, None, min(count, 5000))
        code, bars, fresh = await self.candles(query)
        return code, analytics.indicator_points(bars, points), fresh

    async def spreads(self, ticker_id: int, session: str | None) -> SpreadSummary:
        return await spread_summary(self.db, ticker_id, session)

    def health(self) -> DataHealth:
        return data_health(
            self.sync.provider,
            self.settings.polygon_enabled,
            self.breaker,
            self.sync.fallback,
            self.sync.fallback_use,
            self.live,
        )

    async def indicator_snapshot(self, symbol: str, timeframe: str) -> tuple[str, IndicatorPoint, Freshness]:
        """The newest bar's indicators; InvalidArgument (NO_DATA) when there is no bar."""
        code, points, fresh = await self.indicators(symbol, timeframe, 1)
        if not points:
            raise InvalidArgument(f"no bars for {code}", reason="NO_DATA")
        return code, points[-1], fresh
