"""The broker contract suite's tests that a market-order venue answers, run against the MetaAPI
venue and the loopback fake of MetaAPI's REST API (one `venue` fixture, as tests/broker/venues.py
describes). Pending orders (limit, stop, IOC, modify, cancel; also the test of another account's
pending order) and one-position netting are the
paper simulator's: MetaAPI accounts here take market orders and hold hedged positions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal as D

import pytest
from aiohttp.test_utils import TestServer

from core.clock import TestClock
from svc_broker.market import StaticSymbolCatalog
from svc_broker.venues.metaapi.client import MetaApiClient
from svc_broker.venues.metaapi.venue import MetaApiBroker
from tests.broker.conftest import SYMBOLS
from tests.broker.test_contract import (  # noqa: F401  (collected here against MetaAPI)
    test_a_new_account_has_its_initial_balance_and_nothing_open,
    test_a_retried_client_order_id_places_one_order,
    test_client_order_ids_are_per_account,
    test_every_fill_has_an_execution_report,
    test_lots_count_contract_sizes,
    test_market_buy_fills_at_the_ask_and_sell_at_the_bid,
    test_stop_loss_closes_the_position_once_when_the_price_crosses,
    test_take_profit_closes_a_short_at_the_ask,
    test_unknown_ids_are_not_found,
)
from tests.broker.venues import Venue
from tests.investment.metaapi_fake import FakeMetaApi

TOKEN = "metaapi-contract-token"


@pytest.fixture
async def venue() -> AsyncIterator[Venue]:
    fake = FakeMetaApi(TOKEN, TestClock())
    server = TestServer(fake.app, host="127.0.0.1", port=0)
    await server.start_server()
    client = MetaApiClient(TOKEN, base_url=str(server.make_url("")))

    async def move(bid: D, ask: D) -> None:
        fake.move("EURUSD", str(bid), str(ask))

    built = Venue(
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
    )
    await built.move(built.bid, built.ask)
    try:
        yield built
    finally:
        await client.close()
        await server.close()
