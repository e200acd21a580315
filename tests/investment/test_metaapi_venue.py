"""The MetaAPI venue (our REST adapter) against a loopback fake of MetaAPI's trading API, and
Atlas's agent trading an investment account through it, reconciled with its deal history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from core.errors import FailedPrecondition, InvalidArgument, Unavailable
from svc_broker.broker import OrderRequest
from svc_broker.investment.accounts import Accounts
from svc_broker.investment.agent import TradingAgent
from svc_broker.investment.models import Execution
from svc_broker.investment.products import product
from svc_broker.investment.reconcile import Reconciler
from svc_broker.market import StaticSymbolCatalog
from svc_broker.venues.metaapi.client import MetaApiClient
from svc_broker.venues.metaapi.venue import MetaApiAccounts, MetaApiBroker
from tests.broker.conftest import SYMBOLS
from tests.investment.conftest import OWNER, Kit
from tests.investment.metaapi_fake import FakeMetaApi
from tests.investment.test_agent import btc_signal

D = Decimal
TOKEN = "metaapi-test-token"


@pytest.fixture
async def metaapi(kit: Kit) -> AsyncIterator[tuple[FakeMetaApi, MetaApiBroker]]:
    fake = FakeMetaApi(TOKEN, kit.clock)
    fake.move("BTCUSD", "50000", "50010")
    fake.move("EURUSD", "1.10000", "1.10010")
    server = TestServer(fake.app, host="127.0.0.1", port=0)
    await server.start_server()
    url = str(server.make_url(""))
    client = MetaApiClient(TOKEN, base_url=url, provisioning_url=url)
    try:
        yield fake, MetaApiBroker(client, StaticSymbolCatalog(SYMBOLS).get)
    finally:
        await client.close()
        await server.close()


async def test_market_orders_positions_history_and_refusals(
    metaapi: tuple[FakeMetaApi, MetaApiBroker],
) -> None:
    fake, venue = metaapi
    placed = await venue.place_order(
        "acc-1", OrderRequest("EURUSD", "buy", D(10_000), stop_loss=D("1.0950"), client_order_id="c-1")
    )
    assert (placed.status, placed.fill_price, placed.quantity, placed.lots) == (
        "filled",
        D("1.1001"),
        D(10_000),
        D("0.1"),
    )
    again = await venue.place_order("acc-1", OrderRequest("EURUSD", "buy", D(10_000), client_order_id="c-1"))
    assert again.order_id == placed.order_id  # a retry finds the first order
    [position] = (await venue.positions("acc-1")).items
    assert (position.side, position.entry_price) == ("long", D("1.1001"))
    fake.move("EURUSD", "1.10500", "1.10510")
    state = await venue.account_state("acc-1")
    assert state.equity_minor - state.balance_minor == 4_900  # (1.1050 - 1.1001) x 10,000
    closed = await venue.close_position("acc-1", position.position_id)
    assert (closed.position.status, closed.trade.realized_pnl_minor) == ("closed", 4_900)
    after = await venue.account_state("acc-1")
    assert (after.balance_minor - after.initial_balance_minor, after.equity_minor) == (
        4_900,
        after.balance_minor,
    )
    reports = (await venue.execution_reports("acc-1")).items
    assert [r.reason for r in reports] == ["close", "order"]

    with pytest.raises(InvalidArgument):
        await venue.place_order("acc-1", OrderRequest("EURUSD", "buy", D(10_000), stop_loss=D("1.2")))
    with pytest.raises(FailedPrecondition) as no_ioc:  # MT5 pending orders have no IOC
        await venue.place_order(
            "acc-1",
            OrderRequest("EURUSD", "buy", D(10_000), type="limit", limit_price=D(1), time_in_force="ioc"),
        )
    assert no_ioc.value.reason == "TIME_IN_FORCE_NOT_SUPPORTED"
    fake.fail = 1
    with pytest.raises(Unavailable):
        await venue.account_state("acc-1")
    wrong = MetaApiBroker(MetaApiClient("wrong", base_url=str(venue.client._base)), venue.spec_of)
    with pytest.raises(FailedPrecondition):
        await wrong.place_order("acc-1", OrderRequest("EURUSD", "buy", D(10_000)))
    await wrong.client.close()


async def test_atlas_trades_through_metaapi_and_a_stop_loss_is_reconciled(
    kit: Kit, metaapi: tuple[FakeMetaApi, MetaApiBroker]
) -> None:
    fake, venue = metaapi
    provision = MetaApiAccounts(venue.client, server="Fake-Demo").open
    accounts = Accounts(
        kit.db, kit.clock, kit.kyc, kit.wallet, venue, venue_name="metaapi", provision=provision
    )
    await kit.verified(OWNER, funds=50_000)
    account = await accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    agent = TradingAgent(
        product("atlas"),
        accounts,
        venue,
        kit.db,
        kit.clock,
        StaticSymbolCatalog(SYMBOLS).get,
        kit.book.latest,
    )
    [outcome] = await agent.on_signal(btc_signal())
    assert (outcome.decision, outcome.order.fill_price if outcome.order else None) == ("taken", D("50010"))
    fake.move("BTCUSD", "48000", "48010")  # through the stop at 49,010
    reconciler = Reconciler(kit.db, kit.clock, venue)
    assert await reconciler.reconcile_all() == 1
    async with kit.db.session() as s:
        [execution] = (await s.scalars(select(Execution))).all()
    assert (execution.signal_id, execution.venue, execution.closed_at is not None) == (
        "sig-0001",
        "metaapi",
        True,
    )
    assert execution.pnl_minor == -402  # 0.002 BTC x (48,000 - 50,010) = -4.02
    [state] = await accounts.owned(OWNER)
    assert state.balance_minor == state.equity_minor == 20_000 - 402
    assert account.row.id == state.row.id
    [made] = fake.provisioned.values()  # the investment account's own MetaAPI account
    assert account.row.venue_account == made["id"] == execution.broker_account


async def test_one_metaapi_account_per_investment_account_even_when_retried(
    metaapi: tuple[FakeMetaApi, MetaApiBroker],
) -> None:
    fake, venue = metaapi
    accounts = MetaApiAccounts(venue.client, server="Fake-Demo")
    first = await accounts.open("5f0c6a1e-0000-4000-8000-000000000001")
    again = await accounts.open("5f0c6a1e-0000-4000-8000-000000000001")  # a retried saga step
    other = await accounts.open("5f0c6a1e-0000-4000-8000-000000000002")
    assert first == again != other
    assert len(fake.provisioned) == 2
    assert (await venue.account_state(first)).balance_minor == 1_000_000
    refusing = MetaApiAccounts(venue.client, server="Fake-Demo", platform="mt9")
    with pytest.raises(FailedPrecondition) as refused:
        await refusing.open("5f0c6a1e-0000-4000-8000-000000000003")
    assert refused.value.reason == "VENUE_ACCOUNT_REFUSED"
