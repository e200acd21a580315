"""svc_broker's Alembic scripts on SQLite and PostgreSQL: up to head gives a schema the paper broker
trades on (netting through the partial unique index, events staged in the outbox), down to base
removes every table, and up again works."""

from __future__ import annotations

from decimal import Decimal as D

from sqlalchemy import create_engine, func, inspect, select, text

from core import migrations
from core.clock import TestClock
from core.db import Database, attach_sqlite_schemas, sqlite_dir_of
from svc_broker import SERVICE
from svc_broker.broker import OrderRequest
from svc_broker.config import BrokerSettings
from svc_broker.market import Quote, QuoteBook, StaticSymbolCatalog
from svc_broker.models import OUTBOX, Base, PaperAccount
from svc_broker.venues.paper import PaperBroker
from svc_broker.venues.paper.ledger import books, cash_of
from tests.broker.conftest import SYMBOLS

SCHEMA = "trading"


def tables(url: str) -> set[str]:
    engine = create_engine(migrations.sync_url(url))
    if engine.dialect.name == "sqlite":
        from sqlalchemy import event

        directory = sqlite_dir_of(url)
        event.listen(engine, "connect", lambda conn, _r: attach_sqlite_schemas(conn, directory, [SCHEMA]))
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names(schema=SCHEMA)) - {migrations.VERSION_TABLE}
    finally:
        engine.dispose()


def drop_schema(url: str) -> None:
    engine = create_engine(migrations.sync_url(url))
    try:
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    finally:
        engine.dispose()


async def trade_on(url: str) -> None:
    clock, book = TestClock(), QuoteBook()
    book.update(Quote("EURUSD", D("1.10000"), D("1.10010"), clock.now()))
    db = Database(url)
    try:
        broker = PaperBroker(db, book, StaticSymbolCatalog(SYMBOLS), clock, BrokerSettings())
        await broker.place_order("u", OrderRequest("EURUSD", "buy", D(10_000), client_order_id="c"))
        await broker.place_order("u", OrderRequest("EURUSD", "buy", D(10_000)))
        [position] = (await broker.positions("u")).items
        assert position.quantity == 20_000
        await broker.close_position("u", position.position_id)
        assert (await broker.positions("u")).items == []
        async with db.session() as s:
            assert (await s.execute(select(func.count()).select_from(OUTBOX))).scalar_one() == 4
    finally:
        await db.dispose()


async def test_migrations_go_up_and_down_and_the_broker_trades_on_them(database_url: str) -> None:
    plan = migrations.spec_of(SERVICE)
    assert plan is not None
    assert list(plan.schemas) == [SCHEMA, "investment", "broker_integration"]
    drop_schema(database_url)
    head = migrations.upgrade(database_url, plan.name, plan.scripts_dir, plan.schemas)
    assert head == "investment_0001"
    assert tables(database_url) == {t.name for t in Base.metadata.tables.values()}
    await trade_on(database_url)
    assert migrations.downgrade(database_url, plan.name, plan.scripts_dir, plan.schemas) is None
    assert tables(database_url) == set()
    assert migrations.upgrade(database_url, plan.name, plan.scripts_dir, plan.schemas) == head
    await trade_on(database_url)  # a fresh schema: the old rows went with the downgrade
    migrations.downgrade(database_url, plan.name, plan.scripts_dir, plan.schemas)


async def test_the_ledger_migration_opens_a_journal_for_every_existing_balance(database_url: str) -> None:
    plan = migrations.spec_of(SERVICE)
    assert plan is not None
    drop_schema(database_url)
    migrations.upgrade(database_url, plan.name, plan.scripts_dir, plan.schemas, "trading_0002")
    db = Database(database_url)
    try:
        async with db.transaction() as s:  # an account whose cash moved before there was a ledger
            await s.execute(
                text(
                    f"INSERT INTO {SCHEMA}.paper_accounts (user_id, currency, balance_minor, "
                    "initial_balance_minor, created_at) VALUES ('u', 'USD', 987654, 1000000, :at)"
                ),
                {"at": TestClock().now()},
            )
        migrations.upgrade(database_url, plan.name, plan.scripts_dir, plan.schemas)
        async with db.session() as s:
            [account] = (await s.execute(select(PaperAccount))).scalars()
            assert await cash_of(s, account.id) == account.balance_minor == 987654
            assert await books(s) == {"cash": 987654, "house:funding": -987654}
    finally:
        await db.dispose()
    migrations.downgrade(database_url, plan.name, plan.scripts_dir, plan.schemas)
