"""Broker test kit: a paper broker on a real database, fed by a price stream the test scripts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from core.clock import TestClock
from svc_broker.config import BrokerSettings
from svc_broker.market import Quote, QuoteBook, StaticSymbolCatalog, SymbolSpec
from svc_broker.models import Base
from svc_broker.venues.paper import PaperBroker
from svc_broker.venues.paper.monitor import PriceMonitor
from svc_market.catalogue import HOURS

D = Decimal
USER = "user-1"

# Test instruments: market's hours, sizes of their own (steps of one unit), no spread model.
FX, CRYPTO = HOURS["fx"], HOURS["crypto"]
SYMBOLS = (
    SymbolSpec("EURUSD", "fx", "EUR", "USD", D(100_000), D("0.0001"), D(1_000), D(1_000_000), D(1), FX),
    SymbolSpec("USDJPY", "fx", "USD", "JPY", D(100_000), D("0.01"), D(1_000), D(1_000_000), D(1), FX),
    SymbolSpec("BTCUSD", "crypto", "BTC", "USD", D(1), D("0.01"), D("0.001"), D(100), D("0.001"), CRYPTO),
)


@dataclass
class ScriptedPrices:
    """The price stream of a test: each `tick` is the new latest quote, stamped with the test clock."""

    book: QuoteBook
    clock: TestClock

    def tick(self, symbol: str, bid: str, ask: str) -> Quote:
        quote = Quote(symbol, D(bid), D(ask), self.clock.now())
        self.book.update(quote)
        return quote


@pytest.fixture
def clock() -> TestClock:
    return TestClock()  # Monday 2025-01-06 12:00 UTC: FX is open


@pytest.fixture
def settings() -> BrokerSettings:
    return BrokerSettings(
        leverage={"fx": 30, "crypto": 2},
        slippage_pips=D(0),
    )


@pytest.fixture
def prices(clock: TestClock) -> ScriptedPrices:
    prices = ScriptedPrices(QuoteBook(), clock)
    prices.tick("EURUSD", "1.10000", "1.10010")
    prices.tick("USDJPY", "150.00", "150.02")
    prices.tick("BTCUSD", "50000", "50010")
    return prices


@pytest.fixture
async def db(make_database):
    return await make_database(Base.metadata)


@pytest.fixture
def make_broker(db, prices: ScriptedPrices, clock: TestClock, settings: BrokerSettings):
    def make(**overrides: object) -> PaperBroker:
        configured = settings.model_copy(update=overrides) if overrides else settings
        return PaperBroker(db, prices.book, StaticSymbolCatalog(SYMBOLS), clock, configured)

    return make


@pytest.fixture
def broker(make_broker) -> PaperBroker:
    return make_broker()


@pytest.fixture
def monitor(broker: PaperBroker, settings: BrokerSettings) -> PriceMonitor:
    return PriceMonitor(broker, settings)
