"""The quote source of the price hub and GetQuote: a live provider's quote while it is up and
recent, else the stored series (the demo tick feed, or the replay of stored bars, simulated)."""

from __future__ import annotations

from datetime import UTC, datetime

from core.clock import Clock
from quant.trading_hours import session_at
from svc_market.providers import QuotesProvider
from svc_market.quotes import Quote, QuoteBook


class LiveQuotes:
    """The live quote while the provider's feed is up and has quoted the symbol within
    ``max_age_s``, else the book's (demo ticks or replay)."""

    def __init__(self, book: QuoteBook, provider: QuotesProvider, clock: Clock, max_age_s: float) -> None:
        self.book = book
        self.provider = provider
        self.clock = clock
        self.max_age_s = max_age_s

    def live(self, symbol: str, now: datetime) -> Quote | None:
        quote = self.provider.latest(symbol)
        if quote is None:
            return None
        if self.clock.now().timestamp() - quote.received_s > self.max_age_s:
            return None
        return Quote(symbol, quote.bid, quote.ask, 0.0, now, session_at(now.astimezone(UTC)), False)

    async def quote(self, symbol: str, now: datetime) -> Quote:
        code = symbol.upper()
        return self.live(code, now) or await self.book.quote(code, now)
