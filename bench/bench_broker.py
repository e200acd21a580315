"""Paper broker: orders per second and order-to-fill latency on SQLite and PostgreSQL (16 in
flight over many accounts, and on one account), and the SL/TP monitor with 10,000 open positions:
its cost per tick, and one tick that stops them all. Each figure is printed beside the one of
the tree before this change, measured side by side (BEFORE_THIS_CHANGE, CLOSE_BEFORE_THIS_CHANGE),
the one measured before market orders were booked in groups (BEFORE; for the tick that stops
them all, before its closes were written set-wise: CLOSE_BEFORE) and the issue's target.

Orders go through `PaperBroker.place_order`, the call the gRPC servicer makes for a user's order
(the same checks, group commit and transaction), without the network hop in front of it.

PostgreSQL is used when TRADING_BENCH_PG (an asyncpg URL of a database the bench may fill) is
set or the local server answers; the bench creates and drops its own database there.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import tempfile
import time
import uuid
from decimal import Decimal as D
from typing import Any

from sqlalchemy import select

from core.clock import Clock
from core.db import Database
from core.heap import freeze_startup_heap
from svc_broker.broker import OrderRequest
from svc_broker.config import BrokerSettings
from svc_broker.market import Quote, QuoteBook, StaticSymbolCatalog
from svc_broker.market_feed import spec_from_market
from svc_broker.models import Base
from svc_broker.values import Side, Symbol
from svc_broker.venues.paper import PaperBroker
from svc_broker.venues.paper.monitor import PriceMonitor
from svc_market.catalogue import CATALOGUE
from svc_market.convert import symbol_info
from svc_market.symbols import symbol_row

ORDERS = 1000
# Measured on this 2-core machine (loaded) before market orders were booked in groups:
# (orders/s, p99 ms) per database and number of accounts, and ms per close on one tick.
BEFORE = {
    ("sqlite", 64): (127, 620.0),
    ("sqlite", 1): (None, None),
    ("postgresql", 64): (176, 235.0),
    ("postgresql", 1): (95, 238.0),
}
# Seconds for one tick to stop 10,000 positions with the closes booked through the ORM (one
# transaction, an ORM object per row), measured in the same session just before the set-wise
# path, with this module's monitor_cost run on that tree (load average 2-2.5).
CLOSE_BEFORE = {"sqlite": 5.6, "postgresql": 3.4}
# The same figures of the tree before the stop-out became set-wise and the collector was paused
# around groups and closes (commit b3ba679), run alternately with this one three times in one
# session (load average 3.1-3.3): the median run (orders/s, p99 ms), and seconds for the tick.
BEFORE_THIS_CHANGE = {
    ("sqlite", 64): (899, 48.0),
    ("sqlite", 1): (904, 45.6),
    ("postgresql", 64): (1044, 119.1),
    ("postgresql", 1): (1704, 16.8),
}
CLOSE_BEFORE_THIS_CHANGE = {"sqlite": 1.06, "postgresql": 1.22}
TARGET: dict[str, Any] = {
    "sqlite": (None, 100.0),
    "postgresql": (1000, 50.0),
    "one account": 300,
    "close_all_s": 1.0,
}
CONCURRENCY = 16
POSITIONS = 10_000
TICKS = 200


def _broker(db: Database, book: QuoteBook) -> PaperBroker:
    settings = BrokerSettings(initial_balance_minor=100_000_000)  # one account takes every order
    # market's instruments, as its ListSymbols serves them
    instruments = StaticSymbolCatalog(spec_from_market(symbol_info(symbol_row(s))) for s in CATALOGUE)
    return PaperBroker(db, book, instruments, Clock(), settings)


def _book() -> QuoteBook:
    book = QuoteBook()
    book.update(Quote("BTCUSD", D("50000"), D("50010"), Clock().now()))
    return book


async def orders(db: Database, label: str, accounts: int = 64) -> None:
    broker = _broker(db, _book())
    freeze_startup_heap()  # as the runtime does once its services serve (core/heap.py)
    latencies: list[float] = []
    queue = list(range(ORDERS))

    async def worker() -> None:
        while queue:
            i = queue.pop()
            start = time.perf_counter()
            await broker.place_order(
                f"bench-{accounts}-{i % accounts}", OrderRequest(Symbol("BTCUSD"), Side.BUY, D("0.001"))
            )
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    before_rate, before_p99 = BEFORE.get((label, accounts), (None, None))
    last_rate, last_p99 = BEFORE_THIS_CHANGE[(label, accounts)]
    target_rate, target_p99 = TARGET.get(label, (None, None))
    if accounts == 1:
        target_rate = TARGET["one account"]
    print(
        f"{label:10s} {accounts:3d} accounts, {CONCURRENCY} in flight: {ORDERS / elapsed:6.0f} orders/s "
        f"(before this change {last_rate}, before group commit {before_rate or '-'}, "
        f"target >= {target_rate or '-'}); order-to-fill p50 {q[49] * 1000:5.1f} ms, "
        f"p99 {q[98] * 1000:6.1f} ms (before this change {last_p99}, before group commit "
        f"{before_p99 or '-'}, target <= {target_p99 or '-'})"
    )


async def monitor_cost(db: Database, label: str) -> None:
    book = _book()
    broker = _broker(db, book)
    rows = [
        {
            "user_id": f"m-{i}",
            "currency": "USD",
            "balance_minor": 1_000_000,
            "initial_balance_minor": 1_000_000,
            "created_at": Clock().now(),
        }
        for i in range(POSITIONS)
    ]
    from svc_broker.models import PaperAccount, PaperPosition

    async with db.transaction() as s:
        await s.execute(PaperAccount.__table__.insert(), rows)
        query = select(PaperAccount.id).where(PaperAccount.user_id.like("m-%")).order_by(PaperAccount.id)
        ids = list((await s.execute(query)).scalars())
        positions = [
            {
                "account_id": ids[i],
                "symbol": "BTCUSD",
                "side": "long",
                "quantity": D("0.001"),
                "cost": D("50.01"),
                "entry_price": D("50010"),
                "realized_pnl_minor": 0,
                "margin_minor": 2501,
                "stop_loss": D(40000 - i % 500),
                "take_profit": D(60000 + i % 500),
                "status": "open",
                "opened_at": Clock().now(),
            }
            for i in range(POSITIONS)
        ]
        await s.execute(PaperPosition.__table__.insert(), positions)
    monitor = PriceMonitor(broker, BrokerSettings())
    freeze_startup_heap()
    start = time.perf_counter()
    await monitor.load()
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(TICKS):
        await monitor.on_tick(Quote("BTCUSD", D(50000 + i % 7), D(50010 + i % 7), Clock().now()))
    per_tick = (time.perf_counter() - start) / TICKS
    print(
        f"{label:10s} SL/TP monitor, {POSITIONS} open positions with SL and TP: load {load_s * 1000:.0f} ms, "
        f"{per_tick * 1e6:.1f} µs per tick that touches nothing"
    )
    start = time.perf_counter()
    fired = await monitor.on_tick(Quote("BTCUSD", D("39000"), D("39010"), Clock().now()))  # below every SL
    took = time.perf_counter() - start
    before, last = CLOSE_BEFORE[label], CLOSE_BEFORE_THIS_CHANGE[label]
    print(
        f"{label:10s}   one tick stops {fired} positions: {took:.2f} s, {took / max(fired, 1) * 1000:.3f} ms "
        f"per close (before this change {last} s, {last / took:.1f}x; ORM-booked {before} s, "
        f"{before / took:.1f}x; target <= {TARGET['close_all_s']} s)"
    )


def _pg_admin() -> str | None:
    url = os.environ.get("TRADING_BENCH_PG")
    if url:
        return url
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return None
    return "postgresql://postgres@127.0.0.1:5432/postgres"


async def on(url: str, label: str) -> None:
    db = Database(url)
    await db.create_all([Base.metadata])
    try:
        await orders(db, label)
        await orders(db, label, accounts=1)
    finally:
        await db.dispose()
    db = Database(url)
    try:
        await monitor_cost(db, label)
    finally:
        await db.dispose()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await on(f"sqlite+aiosqlite:///{tmp}/db/main.sqlite", "sqlite")
    admin = _pg_admin()
    if admin is None:
        print("postgresql: not running, skipped")
        return
    import psycopg

    name = f"bench_broker_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        await on(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", "postgresql")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
