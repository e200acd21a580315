"""Writing a batch of full closes as plain rows, one statement per table. On PostgreSQL through
the session's own asyncpg connection (same transaction): COPY for the rows inserted, one UPDATE
joined to `unnest` of arrays for the rows changed, so no row is bound by SQLAlchemy. On SQLite,
where the write happens in the driver's thread anyway, with Core executemany."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import outbox
from core.clock import Clock
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
_P, _A = PaperPosition.__table__, PaperAccount.__table__


@dataclass
class CloseRows:
    """A batch of full closes as rows: trades (TRADE_COLUMNS, ids set), closed positions
    (id, realized PnL, its unrounded total), balances (account id, balance), ledger entries
    (LEDGER_COLUMNS) and outbox events (channel, payload), each list in the order to write."""

    at: datetime
    trades: list[tuple[Any, ...]] = field(default_factory=list)
    positions: list[tuple[int, int, Decimal]] = field(default_factory=list)
    balances: list[tuple[int, int]] = field(default_factory=list)
    ledger: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[str, bytes]] = field(default_factory=list)


async def write_postgres(s: AsyncSession, rows: CloseRows) -> None:
    connection = await (await s.connection()).get_raw_connection()
    pg = connection.driver_connection
    assert pg is not None
    schema = PaperTrade.__table__.schema
    await pg.copy_records_to_table(
        PaperTrade.__tablename__, schema_name=schema, columns=TRADE_COLUMNS, records=rows.trades
    )
    ids, pnl, exact = zip(*rows.positions, strict=True)
    await pg.execute(
        f"UPDATE {_P.fullname} AS p SET quantity = 0, cost = 0, realized_pnl_minor = u.pnl, "
        "realized_pnl_exact = u.exact, margin_minor = 0, status = 'closed', closed_at = $4 "
        "FROM unnest($1::bigint[], $2::bigint[], $3::numeric[]) AS u(id, pnl, exact) WHERE p.id = u.id",
        list(ids), list(pnl), list(exact), rows.at,
    )  # fmt: skip
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
    events = [(channel, payload, False, rows.at) for channel, payload in rows.events]
    await pg.copy_records_to_table(
        OUTBOX.name, schema_name=OUTBOX.schema, columns=_OUTBOX_COLUMNS, records=events
    )
    outbox.mark_staged(s, OUTBOX)


async def write_core(s: AsyncSession, rows: CloseRows, clock: Clock) -> None:
    await s.execute(
        insert(PaperTrade.__table__), [dict(zip(TRADE_COLUMNS, r, strict=True)) for r in rows.trades]
    )
    closing = (
        update(_P)
        .where(_P.c.id == bindparam("b_id"))
        .values(
            quantity=Decimal(0),
            cost=Decimal(0),
            realized_pnl_minor=bindparam("b_pnl"),
            realized_pnl_exact=bindparam("b_exact", type_=_P.c.realized_pnl_exact.type),
            margin_minor=0,
            status="closed",
            closed_at=rows.at,
        )
    )
    await s.execute(
        closing, [{"b_id": i, "b_pnl": pnl, "b_exact": exact} for i, pnl, exact in rows.positions]
    )
    balance = update(_A).where(_A.c.id == bindparam("b_id")).values(balance_minor=bindparam("b_bal"))
    await s.execute(balance, [{"b_id": i, "b_bal": b} for i, b in rows.balances])
    if rows.ledger:
        entries = [dict(zip(LEDGER_COLUMNS, r, strict=True)) for r in rows.ledger]
        await s.execute(insert(LedgerEntry.__table__), entries)
    await outbox.stage_many(s, rows.events, table=OUTBOX, clock=clock)
