"""The venues the broker contract tests run against: each one a `Broker` implementation with the
levers a contract test needs (whose account, which symbol, which sizes, how to move the market).

A venue joins the contract suite with one builder here and one entry in `VENUES`: the paper
broker on SQLite and on PostgreSQL, and the MetaAPI broker against a loopback fake of MetaAPI's
REST API (tests/investment/metaapi_fake.py). A case that cannot apply to a venue is named in its
`not_applicable`, with the reason, and reported as skipped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import text

from core.clock import TestClock
from core.db import Database
from svc_broker.broker import Broker
from svc_broker.config import BrokerSettings
from svc_broker.market import Quote, QuoteBook, StaticSymbolCatalog
from svc_broker.models import Base
from svc_broker.venues.metaapi.client import MetaApiClient
from svc_broker.venues.metaapi.venue import MetaApiBroker
from svc_broker.venues.paper import PaperBroker
from svc_broker.venues.paper.monitor import PriceMonitor
from tests.broker.conftest import SYMBOLS
from tests.investment.metaapi_fake import FakeMetaApi

D = Decimal


@dataclass
class Venue:
    """One Broker under test and how a test drives it.

    `symbol` is open for trading now and quoted in the account's currency, so a position's PnL
    in minor units is (exit - entry) x quantity in cents. `move(bid, ask)` makes that the market
    and returns once the venue has acted on it (pending orders triggered, SL/TP closed).
    """

    name: str
    broker: Broker
    account: str
    other_account: str
    symbol: str
    pip: Decimal
    contract_size: Decimal
    amount: Decimal  # units: well inside the symbol's limits and the account's margin
    too_small: Decimal  # units: below the symbol's minimum
    beyond_margin: Decimal  # units: inside the symbol's limits, more than the account can margin
    bid: Decimal
    ask: Decimal
    _move: Callable[[Decimal, Decimal], Awaitable[None]]
    not_applicable: dict[str, str] = field(default_factory=dict)  # test name -> why it cannot apply

    async def move(self, bid: Decimal, ask: Decimal) -> None:
        self.bid, self.ask = bid, ask
        await self._move(bid, ask)

    async def shift(self, pips: int) -> None:
        """The whole quote moves by `pips` (negative: down), spread unchanged."""
        await self.move(self.bid + pips * self.pip, self.ask + pips * self.pip)

    def pips(self, n: int) -> Decimal:
        return n * self.pip


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(ROUND_HALF_EVEN))


VenueBuilder = Callable[[pytest.FixtureRequest], AbstractAsyncContextManager[Venue]]


@asynccontextmanager
async def _paper(url: str) -> AsyncIterator[Venue]:
    db = Database(url)
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{Base.metadata.schema}" CASCADE'))
    await db.create_all([Base.metadata])
    clock = TestClock()  # Monday 12:00 UTC: FX is open
    book = QuoteBook()
    settings = BrokerSettings(leverage={"fx": 30, "crypto": 2}, slippage_pips=D(0))
    broker = PaperBroker(db, book, StaticSymbolCatalog(SYMBOLS), clock, settings)
    monitor = PriceMonitor(broker, settings)

    async def move(bid: Decimal, ask: Decimal) -> None:
        quote = Quote("EURUSD", bid, ask, clock.now())
        book.update(quote)
        await monitor.on_tick(quote)

    venue = Venue(
        name="paper",
        broker=broker,
        account="user-1",
        other_account="user-2",
        symbol="EURUSD",
        pip=D("0.0001"),
        contract_size=D(100_000),
        amount=D(10_000),
        too_small=D(10),
        beyond_margin=D(1_000_000),
        bid=D("1.10000"),
        ask=D("1.10010"),
        _move=move,
    )
    await venue.move(venue.bid, venue.ask)
    try:
        yield venue
    finally:
        await db.dispose()


@asynccontextmanager
async def paper_on_sqlite(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    tmp_path = request.getfixturevalue("tmp_path")
    async with _paper(f"sqlite+aiosqlite:///{tmp_path}/db/main.sqlite") as venue:
        yield venue


@asynccontextmanager
async def paper_on_postgres(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    async with _paper(request.getfixturevalue("pg_database_url")) as venue:
        yield venue


# A hedging MT5 account: every fill opens its own position, and pending orders have no IOC.
METAAPI_NOT_APPLICABLE = {
    "test_orders_in_one_symbol_net_into_one_position": "hedging: a MetaAPI account keeps a position per fill",
    "test_ioc_limit_that_cannot_fill_is_cancelled": "MT5 pending orders have no immediate-or-cancel",
}


@asynccontextmanager
async def metaapi_on_fake(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    token = "metaapi-contract-token"
    fake = FakeMetaApi(token, TestClock())
    server = TestServer(fake.app, host="127.0.0.1", port=0)
    await server.start_server()
    client = MetaApiClient(token, base_url=str(server.make_url("")))

    async def move(bid: Decimal, ask: Decimal) -> None:
        fake.move("EURUSD", str(bid), str(ask))

    venue = Venue(
        name="metaapi",
        broker=MetaApiBroker(client, StaticSymbolCatalog(SYMBOLS).get),
        account="acc-1",
        other_account="acc-2",
        symbol="EURUSD",
        pip=D("0.0001"),
        contract_size=D(100_000),
        amount=D(10_000),
        too_small=D(10),
        beyond_margin=D(1_000_000),
        bid=D("1.10000"),
        ask=D("1.10010"),
        _move=move,
        not_applicable=METAAPI_NOT_APPLICABLE,
    )
    await venue.move(venue.bid, venue.ask)
    try:
        yield venue
    finally:
        await client.close()
        await server.close()


# One entry per venue: its test id, how to build it, its marks. MetaAPI joins with one more line.
VENUES: list = [
    pytest.param(paper_on_sqlite, id="paper-sqlite"),
    pytest.param(paper_on_postgres, id="paper-postgres", marks=pytest.mark.postgres),
    pytest.param(metaapi_on_fake, id="metaapi"),
]
