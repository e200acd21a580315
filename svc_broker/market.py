"""What the broker needs from market data: symbols and their latest bid/ask.

svc_market owns both. The broker reads them through two small interfaces so that the service
fills them from svc_market (a gRPC snapshot plus `ticker:{symbol}` events on the bus) and tests
fill them from a scripted price stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


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
    """A tradable symbol: its asset class, contract and size limits."""

    symbol: str
    asset_class: str  # "fx", "metal", "index", "crypto", "stock"
    base_currency: str
    quote_currency: str
    contract_size: Decimal  # units in one lot
    pip_size: Decimal
    min_units: Decimal
    max_units: Decimal
    unit_step: Decimal
    min_spread: Decimal = Decimal("0")  # the narrowest spread, widened by session

    @property
    def hours(self) -> str:
        """Which trading hours apply: "24x7" for crypto, "us_equity" for stocks, "fx" otherwise."""
        return {"crypto": "24x7", "stock": "us_equity"}.get(self.asset_class, "fx")


class PriceSource(Protocol):
    """The latest quote of a symbol, or None when none has been seen."""

    def latest(self, symbol: str) -> Quote | None: ...


class SymbolCatalog(Protocol):
    """The tradable symbols."""

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
    """A catalog held in memory; `replace` swaps in a fresh list (e.g. from svc_market)."""

    def __init__(self, specs: Iterable[SymbolSpec]) -> None:
        self._specs: Mapping[str, SymbolSpec] = {s.symbol: s for s in specs}

    def get(self, symbol: str) -> SymbolSpec | None:
        return self._specs.get(symbol)

    def replace(self, specs: Iterable[SymbolSpec]) -> None:
        self._specs = {s.symbol: s for s in specs}

    def __iter__(self):
        return iter(self._specs.values())


def _fx(symbol: str, pip: str = "0.0001", spread: str = "0.00008") -> SymbolSpec:
    return SymbolSpec(
        symbol=symbol,
        asset_class="fx",
        base_currency=symbol[:3],
        quote_currency=symbol[3:],
        contract_size=Decimal(100_000),
        pip_size=Decimal(pip),
        min_units=Decimal(1_000),
        max_units=Decimal(10_000_000),
        unit_step=Decimal(1),
        min_spread=Decimal(spread),
    )


# The embedded run's symbols until svc_market's catalog has been read.
DEFAULT_SYMBOLS: tuple[SymbolSpec, ...] = (
    _fx("EURUSD"),
    _fx("GBPUSD", spread="0.0001"),
    _fx("USDJPY", pip="0.01", spread="0.01"),
    SymbolSpec(
        "XAUUSD",
        "metal",
        "XAU",
        "USD",
        Decimal(100),
        Decimal("0.01"),
        Decimal(1),
        Decimal(10_000),
        Decimal(1),
        Decimal("0.2"),
    ),
    SymbolSpec(
        "BTCUSD",
        "crypto",
        "BTC",
        "USD",
        Decimal(1),
        Decimal("0.01"),
        Decimal("0.0001"),
        Decimal(100),
        Decimal("0.0001"),
        Decimal(10),
    ),
    SymbolSpec(
        "ETHUSD",
        "crypto",
        "ETH",
        "USD",
        Decimal(1),
        Decimal("0.01"),
        Decimal("0.001"),
        Decimal(1_000),
        Decimal("0.001"),
        Decimal(1),
    ),
)
