"""The market data domain assembled: what the servicers call (no gRPC types here)."""

from __future__ import annotations

from dataclasses import dataclass

from core.breaker import CircuitBreaker
from core.clock import Clock
from core.db import Database
from quant.bars import Bars, daily_anchor
from svc_market import analytics
from svc_market.candles import CandleQuery, Freshness, freshness_of, get_candles
from svc_market.catalogue import BY_SYMBOL
from svc_market.config import MarketSettings
from svc_market.demo_feed import DemoFeed
from svc_market.live import LiveQuotes, PolygonStream, QuoteRecorder
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
    live: PolygonStream | None = None  # Polygon's WebSocket, with a key
    recorder: QuoteRecorder | None = None
    demo: DemoFeed | None = None  # the demo run's tick feed, extending simulated series

    @property
    def daily_anchor_s(self) -> int:
        return daily_anchor(self.settings.daily_anchor_hour_utc)

    async def candles(self, query: CandleQuery) -> tuple[str, Bars, Freshness]:
        code, now = query.symbol.upper(), self.clock.now()
        if self.demo is not None and code in BY_SYMBOL and await self.demo.prices(code, now):
            await self.demo.catch_up(code, now, forming=True)  # up to this tick
        async with self.db.session() as session:
            symbol, bars, series = await get_candles(session, query, self.clock.now(), self.daily_anchor_s)
        return symbol, bars, self._freshness(series)

    def _freshness(self, series: list) -> Freshness:
        available = provider_available(self.breaker) if self.settings.polygon_enabled else False
        return freshness_of(series, self.clock.now(), self.settings.stale_after_s, available)

    async def indicators(self, symbol: str, timeframe: str, points: int) -> tuple[str, list, Freshness]:
        """The newest ``points`` bars' indicators, computed over enough history for warm-up."""
        count = points + analytics.WARMUP_BARS
        query = CandleQuery(symbol, timeframe, None, None, min(count, 5000))
        code, bars, fresh = await self.candles(query)
        return code, analytics.indicator_points(bars, points), fresh
