"""Reading the open positions a tick touches and writing a batch of full closes, as plain rows,
one statement per table. On PostgreSQL through
the session's own asyncpg connection (same transaction): COPY for the rows inserted, one UPDATE
joined to `unnest` of arrays for the rows changed. On SQLite through its sqlite3 connection:
one executemany per table. Either way no row is bound by SQLAlchemy, whose per-row parameter
handling cost more than the database's work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from core import outbox
from core.db import decimal_str
from svc_broker.models import OUTBOX, LedgerEntry, PaperAccount, PaperPosition, PaperTrade

TRADE_COLUMNS = (
    "id", "account_id", "order_id", "position_id", "symbol", "side", "quantity", "price",
    "realized_pnl_minor", "reason", "executed_at", "written_off_minor",
)  # fmt: skip
LEDGER_COLUMNS = (
    "journal",
    "book",
    "account_id",
    "amount_minor",
    "currency",
    "kind",
    "trade_id",
    "created_at",
)
_OUTBOX_COLUMNS = ("channel", "payload", "durable", "created_at")
_P, _A, _T = PaperPosition.__table__, PaperAccount.__table__, PaperTrade.__table__


@dataclass(slots=True)
class OpenRow:
    """An open position as the bulk close reads it."""

    id: int
    account_id: int
    symbol: str
    side: str
    quantity: Decimal
    cost: Decimal
    entry_price: Decimal
    realized_pnl_minor: int
    realized_pnl_exact: Decimal | None
    stop_loss: Decimal | None
    take_profit: Decimal | None
    margin_minor: int


_OPEN_COLUMNS = (
    "id, account_id, symbol, side, quantity, cost, entry_price, realized_pnl_minor, realized_pnl_exact, "
    "stop_loss, take_profit, margin_minor"
)


async def _driver(s: AsyncSession) -> Any:
    """The session's driver connection (asyncpg's or aiosqlite's), in the session's transaction
    once a statement has gone through the session: SQLAlchemy's asyncpg adapter sends BEGIN
    with its first statement, so `lock_owners` (or any session statement) must come first."""
    driver = (await (await s.connection()).get_raw_connection()).driver_connection
    assert driver is not None
    return driver


async def lock_owners(s: AsyncSession, position_ids: list[int], is_sqlite: bool) -> list[Any]:
    """(id, user_id, currency, balance_minor) of the accounts owning these positions, in id order,
    locked FOR UPDATE on PostgreSQL (SQLite's transaction holds the write lock already). Run
    through the session, as the first statement of the transaction (see `_driver`)."""
    columns = f"SELECT id, user_id, currency, balance_minor FROM {_A.fullname} WHERE id IN "
    if is_sqlite:
        owners = f"(SELECT account_id FROM {_P.fullname} WHERE id IN :ids) ORDER BY id"
        query = text(columns + owners).bindparams(bindparam("ids", expanding=True))
    else:
        owners = f"(SELECT account_id FROM {_P.fullname} WHERE id = ANY(CAST(:ids AS BIGINT[])))"
        query = text(columns + owners + " ORDER BY id FOR UPDATE")
    return list(await s.execute(query, {"ids": position_ids}))


async def draw_trade_ids(s: AsyncSession, n: int, is_sqlite: bool) -> list[int]:
    """The ids the next `n` trades get, taken before inserting them so that the insert needs no
    RETURNING (COPY on PostgreSQL, executemany on SQLite). SQLite gives a new row max(id) + 1,
    and this transaction holds its write lock; PostgreSQL's are drawn from the table's sequence,
    as one array."""
    driver = await _driver(s)
    if is_sqlite:
        [(top,)] = await driver.execute_fetchall(f"SELECT coalesce(max(id), 0) FROM {_T.fullname}")
        return list(range(top + 1, top + 1 + n))
    sequence = f"pg_get_serial_sequence('{_T.fullname}', 'id')"
    drawn = await driver.fetchval(f"SELECT array_agg(nextval({sequence})) FROM generate_series(1, $1)", n)
    return sorted(drawn)


async def read_open(s: AsyncSession, ids: list[int], is_sqlite: bool, column: str = "id") -> list[OpenRow]:
    """The open positions whose `column` (id, or account_id) is among `ids`, in id order, through
    the session's driver connection (SQLAlchemy's result handling cost more per row than the read)."""
    assert column in ("id", "account_id")
    driver = await _driver(s)
    if not is_sqlite:
        sql = f"SELECT {_OPEN_COLUMNS} FROM {_P.fullname} WHERE {column} = ANY($1::bigint[])"
        sql += " AND status = 'open' ORDER BY id"
        return [OpenRow(*r) for r in await driver.fetch(sql, ids)]
    marks = ", ".join("?" * len(ids))
    sql = f"SELECT {_OPEN_COLUMNS} FROM {_P.fullname} WHERE {column} IN ({marks}) AND status = 'open'"
    sql += " ORDER BY id"
    return [
        OpenRow(
            i,
            a,
            symbol,
            side,
            Decimal(q),
            Decimal(c),
            Decimal(e),
            pnl,
            _decimal(x),
            _decimal(sl),
            _decimal(tp),
            margin,
        )
        for i, a, symbol, side, q, c, e, pnl, x, sl, tp, margin in await driver.execute_fetchall(sql, ids)
    ]


def _decimal(stored: str | int | None) -> Decimal | None:
    return None if stored is None else Decimal(stored)


@dataclass
class CloseRows:
    """A batch of full closes as rows: trades (TRADE_COLUMNS, ids set), closed positions
    (id, realized PnL, its unrounded total), balances (account id, balance), ledger entries
    (LEDGER_COLUMNS) and outbox events (channel, payload; the writers await them last, as they
    may still be in the making), each list in the order to write."""

    at: datetime
    trades: list[tuple[Any, ...]] = field(default_factory=list)
    positions: list[tuple[int, int, Decimal]] = field(default_factory=list)
    balances: list[tuple[int, int]] = field(default_factory=list)
    ledger: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[str, bytes]] = field(default_factory=list)


async def write_postgres(
    s: AsyncSession, rows: CloseRows, build: Callable[[], None], events: Awaitable[list[tuple[str, bytes]]]
) -> None:
    """The positions' UPDATE goes out first and `build` makes the trades' and the ledger's rows
    while the database runs it; then COPY for the rows inserted."""
    pg = await _driver(s)
    schema = PaperTrade.__table__.schema
    update = await pg.prepare(
        f"UPDATE {_P.fullname} AS p SET quantity = 0, cost = 0, realized_pnl_minor = u.pnl, "
        "realized_pnl_exact = u.exact, margin_minor = 0, status = 'closed', closed_at = $4 "
        "FROM unnest($1::bigint[], $2::bigint[], $3::numeric[]) AS u(id, pnl, exact) WHERE p.id = u.id"
    )
    ids, pnl, exact = zip(*rows.positions, strict=True)
    updating = asyncio.ensure_future(update.fetchval(list(ids), list(pnl), list(exact), rows.at))
    await asyncio.sleep(0)  # the UPDATE is sent
    try:
        build()
    finally:
        await updating
    await pg.copy_records_to_table(
        PaperTrade.__tablename__, schema_name=schema, columns=TRADE_COLUMNS, records=rows.trades
    )
    accounts, balances = zip(*rows.balances, strict=True)
    await pg.execute(
        f"UPDATE {_A.fullname} AS a SET balance_minor = u.balance "
        "FROM unnest($1::bigint[], $2::bigint[]) AS u(id, balance) WHERE a.id = u.id",
        list(accounts), list(balances),
    )  # fmt: skip
    if rows.ledger:  # ids follow the rows' order: COPY draws each row's default in turn
        await pg.copy_records_to_table(
            LedgerEntry.__tablename__, schema_name=schema, columns=LEDGER_COLUMNS, records=rows.ledger
        )
    rows.events = await events
    staged = [(channel, payload, False, rows.at) for channel, payload in rows.events]
    await pg.copy_records_to_table(
        OUTBOX.name, schema_name=OUTBOX.schema, columns=_OUTBOX_COLUMNS, records=staged
    )
    outbox.mark_staged(s, OUTBOX)


async def write_sqlite(
    s: AsyncSession, rows: CloseRows, build: Callable[[], None], events: Awaitable[list[tuple[str, bytes]]]
) -> None:
    """The same rows (`build` makes the trades' and the ledger's first) through the session's
    sqlite3 connection: one executemany per table, each run in the driver's thread without a
    Python step per row. Values are stored as the column types store them (decimals as
    canonical text, times as SQLAlchemy's SQLite text)."""
    build()
    connection = await s.connection()
    lite = (await connection.get_raw_connection()).driver_connection
    assert lite is not None
    dialect = connection.dialect
    at = _T.c.executed_at.type.dialect_impl(dialect).bind_processor(dialect)(
        rows.at
    )  # as the column binds it
    trades = [
        (i, account, order, position, symbol, side, decimal_str(q), decimal_str(price), pnl, reason, at, off)
        for i, account, order, position, symbol, side, q, price, pnl, reason, _, off in rows.trades
    ]
    await lite.executemany(_insert_sql(_T.fullname, TRADE_COLUMNS), trades)
    await lite.executemany(
        f"UPDATE {_P.fullname} SET quantity = '0', cost = '0', realized_pnl_minor = ?, "
        "realized_pnl_exact = ?, margin_minor = 0, status = 'closed', closed_at = ? WHERE id = ?",
        [(pnl, decimal_str(exact), at, i) for i, pnl, exact in rows.positions],
    )
    await lite.executemany(
        f"UPDATE {_A.fullname} SET balance_minor = ? WHERE id = ?", [(b, i) for i, b in rows.balances]
    )
    entries = [(*entry[:-1], at) for entry in rows.ledger]
    await lite.executemany(_insert_sql(LedgerEntry.__table__.fullname, LEDGER_COLUMNS), entries)
    rows.events = await events
    staged = [(channel, payload, False, at) for channel, payload in rows.events]
    await lite.executemany(_insert_sql(OUTBOX.fullname, _OUTBOX_COLUMNS), staged)
    outbox.mark_staged(s, OUTBOX)


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
