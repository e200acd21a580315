"""What market data needs from an outside vendor: bars for the sync and live quotes for the stream.

Each vendor sits in `svc_market/adapters/<vendor>/` and implements these; `adapters/demo/` holds the
twins that run with no key. The domain (sync, live quotes, the price hub) only sees these types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from quant.bars import Bars

BAR_S = 300  # the providers' bars are 5-minute bars


class RateLimited(Exception):
    """The provider refused for now (HTTP 429): an answering provider, not a failure."""


class ProviderError(Exception):
    """The provider failed (5xx, a bad response, no connection)."""


@dataclass(frozen=True)
class BarsRequest:
    """A range of 5-minute bars of one instrument: start <= bar open < end, epoch seconds."""

    symbol: str
    provider_ticker: str
    start_s: int
    end_s: int


class BarCursor(Protocol):
    """An open read of a range, oldest bars first."""

    async def next_chunk(self, size: int) -> Bars:
        """Up to `size` bars; an empty Bars at the end of the range."""
        ...


class BarsProvider(Protocol):
    """Historical 5-minute bars (the sync's source)."""

    name: str  # also the `source` the bars are stored under

    def open(self, request: BarsRequest) -> BarCursor: ...


@dataclass(frozen=True)
class LiveQuote:
    """The newest bid/ask of a symbol: the provider's time and when it arrived (epoch seconds)."""

    bid: float
    ask: float
    ts_s: float
    received_s: float


class QuoteListener(Protocol):
    """Told of every live quote a provider accepts (the recorder, the bar builder)."""

    def offer(self, symbol: str, ts_s: float, bid: float, ask: float) -> None: ...


class QuotesProvider(Protocol):
    """Live quotes, subscribed per symbol: one acquire per running price feed."""

    name: str

    def supports(self, symbol: str) -> bool: ...

    def acquire(self, symbol: str) -> None: ...

    def release(self, symbol: str) -> None: ...

    def latest(self, symbol: str) -> LiveQuote | None:
        """The newest quote while the symbol's connection is up; None otherwise."""
        ...

    @property
    def enabled(self) -> bool:
        """False for the twin that never quotes (the stored series answer instead)."""
        ...

    @property
    def any_up(self) -> bool: ...

    def subscriptions(self) -> set[str]: ...

    def sessions(self) -> int: ...

    async def close(self) -> None: ...
