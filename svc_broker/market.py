"""What the broker needs from market data: instruments and their latest bid/ask.

svc_market owns both, and the one model of instruments, trading hours, sessions and spreads.
The broker keeps none of its own: it reads them through two small interfaces that the service
fills from svc_market (ListSymbols over gRPC, cached; `ticker:{symbol}` events on the bus) and
tests fill from a scripted price stream. Hours and sessions are evaluated with
quant.trading_hours, the functions that define them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from quant.trading_hours import Hours


@dataclass(frozen=True)
class Quote:
    """The best bid and ask of one symbol at one time."""

    symbol: str
    bid: Decimal
    ask: Decimal
    time: datetime

    @property
    def mid(self) -> Decimal:
        return (self.bid + self.ask) / 2


@dataclass(frozen=True)
class SymbolSpec:
    """A tradable instrument as svc_market describes it, in the units the broker trades."""

    symbol: str
    asset_class: str  # "fx", "metal", "index", "crypto", "stock": what the leverage table keys on
    base_currency: str
    quote_currency: str
    contract_size: Decimal  # units in one lot
    pip_size: Decimal
    min_units: Decimal
    max_units: Decimal
    unit_step: Decimal
    hours: Hours
    # the spread model: the typical spread by session name, in price units (empty: none)
    spreads: Mapping[str, Decimal] = field(default_factory=dict)


class PriceSource(Protocol):
    """The latest quote of a symbol, or None when none has been seen."""

    def latest(self, symbol: str) -> Quote | None: ...


class SymbolCatalog(Protocol):
    """The tradable instruments; `loaded` is False until the market has answered once."""

    @property
    def loaded(self) -> bool: ...

    def get(self, symbol: str) -> SymbolSpec | None: ...


class QuoteBook:
    """The latest quote per symbol, fed by whatever streams prices (the bus, a script)."""

    def __init__(self) -> None:
        self._quotes: dict[str, Quote] = {}

    def update(self, quote: Quote) -> None:
        self._quotes[quote.symbol] = quote

    def latest(self, symbol: str) -> Quote | None:
        return self._quotes.get(symbol)


class StaticSymbolCatalog:
    """Instruments held in memory: the cache of svc_market's list, swapped whole by `replace`."""

    def __init__(self, specs: Iterable[SymbolSpec] | None = None) -> None:
        self._specs: Mapping[str, SymbolSpec] = {s.symbol: s for s in specs or ()}
        self._loaded = specs is not None

    @property
    def loaded(self) -> bool:
        return self._loaded

    def get(self, symbol: str) -> SymbolSpec | None:
        return self._specs.get(symbol)

    def replace(self, specs: Iterable[SymbolSpec]) -> None:
        self._specs = {s.symbol: s for s in specs}
        self._loaded = True

    def __iter__(self):
        return iter(self._specs.values())
