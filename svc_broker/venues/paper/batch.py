"""Market orders in groups: the orders placed while the last group was being written are booked
together in one transaction (group commit), with one statement per table instead of the ORM's
unit of work per order.

Each order keeps its own answer: booked in arrival order (so an account's orders apply in the
order they came), checked one by one (market hours, price, protection, margin against what the
orders before it in the group did), and one that is refused leaves no trace, the others go on.
The accounts of a group are locked in id order, as every batch locks them. If the group's
transaction fails as a whole (a client order id committed by another process, a deadlock, a lost
connection), its orders are placed again one at a time, each in its own transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError, Unavailable
from core.heap import collector_paused
from svc_broker import pricing
from svc_broker.broker import OrderRequest, OrderView
from svc_broker.market import SymbolSpec
from svc_broker.models import PaperAccount, PaperOrder, PaperPosition, PaperTrade
from svc_broker.rules import check_protection
from svc_broker.venues.paper.execution import PaperExecution
from svc_broker.venues.paper.group_commit import GroupCommit, Ticket
from svc_broker.venues.paper.ledger import HOUSE_FUNDING, CashLedger, Movement
from svc_broker.venues.paper.netting import Execution, Fill
from svc_broker.venues.paper.store import Changes
from svc_broker.venues.paper.triggers import order_watch, position_watch
from svc_broker.venues.paper.valuation import order_view

log = logging.getLogger(__name__)

MAX_BATCH = 32
WRITERS = 1  # groups written at once on PostgreSQL (2 measured no faster on 2 loaded cores)
_POSITION_STATE = (
    "quantity", "cost", "entry_price", "realized_pnl_minor", "realized_pnl_exact", "margin_minor",
    "stop_loss", "take_profit", "status", "closed_at",
)  # fmt: skip


@dataclass(frozen=True)
class NewOrder:
    """An order checked against its instrument, waiting to be booked."""

    user_id: str
    request: OrderRequest
    spec: SymbolSpec
    quantity: Decimal


OrderTicket = Ticket[NewOrder, OrderView]


def unknown_outcome() -> Unavailable:
    return Unavailable(
        "the order's outcome is unknown (the database failed while committing it): "
        "list your orders, or retry with the same client_order_id"
    )


@dataclass
class _Group:
    """What one group's transaction read and booked."""

    accounts: dict[str, PaperAccount]
    positions: dict[int, list[PaperPosition]]  # account id -> its open positions
    by_client_id: dict[tuple[int, str], PaperOrder]
    changes: Changes
    orders: list[PaperOrder]


class PaperBatching(PaperExecution):
    """Market orders booked in groups (see the module's docstring)."""

    _group_commit: GroupCommit[NewOrder, OrderView] | None = None

    async def _place_market(self, order: NewOrder) -> OrderView:
        if self._group_commit is None:
            writers = 1 if self._db.is_sqlite else WRITERS  # SQLite has one writer anyway
            self._group_commit = GroupCommit(
                self._write_group, lambda o: o.user_id, max_batch=MAX_BATCH, writers=writers
            )
        return await self._group_commit.submit(order)

    async def _place_alone(self, order: NewOrder) -> OrderView:
        """One order in its own transaction (the venue's general path)."""
        raise NotImplementedError

    async def _write_group(self, tickets: list[OrderTicket]) -> None:
        with collector_paused():  # a group's objects die with it (core/heap.py)
            await self._write_group_once(tickets)

    async def _write_group_once(self, tickets: list[OrderTicket]) -> None:
        committing = False
        try:
            async with self._write() as s:
                group, outcomes = await self._book_group(s, [t.item for t in tickets])
                await self._write_booked(s, group)
                views = [o if isinstance(o, BaseException) else o() for o in outcomes]
                committing = True
        except Exception:
            if committing:  # the commit itself failed: it may have gone through, so never place again
                log.warning("a group of %d orders failed at commit", len(tickets), exc_info=True)
                for ticket in tickets:
                    ticket.settle(unknown_outcome())
                return
            log.warning("a group of %d orders failed; placing them alone", len(tickets), exc_info=True)
            await self._place_one_by_one(tickets)
            return
        self._tell(group.changes)
        for ticket, outcome in zip(tickets, views, strict=True):
            ticket.settle(outcome)

    async def _place_one_by_one(self, tickets: list[OrderTicket]) -> None:
        for ticket in tickets:
            try:
                ticket.settle(await self._place_alone(ticket.item))
            except Exception as refused:
                ticket.settle(refused)

    async def _book_group(self, s: AsyncSession, orders: list[NewOrder]) -> tuple[_Group, list[Any]]:
        """Read what the group needs with one query per table, then book each order in memory.
        Returns, per order, a refusal or a function that makes its view once ids are known."""
        changes = Changes(CashLedger(self._clock))
        accounts = await self._lock_accounts_named(s, list(dict.fromkeys(o.user_id for o in orders)), changes)
        ids = [a.id for a in accounts.values()]
        positions: dict[int, list[PaperPosition]] = {i: [] for i in ids}
        query = select(PaperPosition).where(PaperPosition.account_id.in_(ids), PaperPosition.status == "open")
        for p in (await s.execute(query)).scalars():
            positions[p.account_id].append(p)
        client_ids = {o.request.client_order_id for o in orders if o.request.client_order_id}
        by_client_id = await self._orders_by_client_id(s, ids, client_ids)
        s.expunge_all()  # from here on the rows are plain values, written with Core statements
        group = _Group(accounts, positions, by_client_id, changes, [])
        return group, [self._book_one(group, o) for o in orders]

    def _book_one(self, group: _Group, order: NewOrder) -> Any:
        acc = group.accounts[order.user_id]
        client_id = order.request.client_order_id
        if client_id and (acc.id, client_id) in group.by_client_id:  # a retry: the first order as stored
            first = group.by_client_id[(acc.id, client_id)]
            return lambda: self._order_view(first)
        positions = group.positions[acc.id]
        undo = _Undo(acc, positions, order.spec.symbol, group.changes)
        try:
            placed, fill = self._fill_market(acc, positions, order, group.changes)
        except DomainError as refused:
            undo()
            return refused
        group.orders.append(placed)
        merged = {id(p): p for p in [*positions, *fill.touched]}  # the next order sees this one's
        group.positions[acc.id] = [p for p in merged.values() if p.status == "open"]
        if client_id:
            group.by_client_id[(acc.id, client_id)] = placed
        return lambda: order_view(placed, order.spec)

    def _fill_market(
        self, acc: PaperAccount, positions: list[PaperPosition], order: NewOrder, changes: Changes
    ) -> tuple[PaperOrder, Fill]:
        """The checks and the fill of the venue's general path for a market order, in memory."""
        self._check_open(order.spec)
        quote = self._quote(order.spec)
        placed = self._new_order(acc, order.request, order.spec, order.quantity)
        price = pricing.fill_price(placed.side, quote, self._slippage(order.spec))
        check_protection(placed.side, price, placed.stop_loss, placed.take_profit)
        now = self._clock.now()
        ex = Execution(
            order.spec, placed.side, placed.quantity, price, "order", now, placed,
            placed.stop_loss, placed.take_profit,
        )  # fmt: skip
        fill = self._book(acc, positions, ex, changes, check_margin=True)
        placed.status, placed.fill_price, placed.filled_at, placed.updated_at = "filled", price, now, now
        return placed, fill

    async def _lock_accounts_named(
        self, s: AsyncSession, user_ids: list[str], changes: Changes
    ) -> dict[str, PaperAccount]:
        """The users' accounts, locked in id order; the missing ones opened (and funded) first."""
        query = select(PaperAccount).where(PaperAccount.user_id.in_(user_ids)).order_by(PaperAccount.id)
        if not self._db.is_sqlite:
            query = query.with_for_update()
        found = {a.user_id: a for a in (await s.execute(query)).scalars()}
        missing = [u for u in user_ids if u not in found]
        if missing:
            opened = set((await s.execute(self._insert_ignore_all(missing))).scalars())
            again = (await s.execute(query.where(PaperAccount.user_id.in_(missing)))).scalars()
            for account in again:
                found[account.user_id] = account
                if account.user_id in opened:
                    funding = Movement(self._settings.initial_balance_minor, HOUSE_FUNDING, "funding")
                    changes.ledger.move(account, funding)
        return found

    def _insert_ignore_all(self, user_ids: list[str]) -> Any:
        if self._db.is_sqlite:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert  # type: ignore[assignment]
        table = PaperAccount.__table__
        rows = [
            {
                "user_id": u,
                "currency": self._settings.account_currency,
                "balance_minor": 0,
                "initial_balance_minor": self._settings.initial_balance_minor,
                "created_at": self._clock.now(),
            }
            for u in user_ids
        ]
        return dialect_insert(table).values(rows).on_conflict_do_nothing().returning(table.c.user_id)

    async def _orders_by_client_id(
        self, s: AsyncSession, account_ids: list[int], client_ids: set[str]
    ) -> dict[tuple[int, str], PaperOrder]:
        """The orders already made with these client order ids by these accounts (a superset of
        the pairs asked for: a pair that no order of the group names is never looked up)."""
        if not client_ids:
            return {}
        query = select(PaperOrder).where(
            PaperOrder.account_id.in_(account_ids), PaperOrder.client_order_id.in_(sorted(client_ids))
        )
        found: dict[tuple[int, str], PaperOrder] = {}
        for o in (await s.execute(query)).scalars():
            if o.client_order_id:
                found[(o.account_id, o.client_order_id)] = o
        return found

    async def _write_booked(self, s: AsyncSession, group: _Group) -> None:
        """The group's rows with one statement per table: orders, positions changed then opened
        (a closed one frees its symbol for a new one), trades, balances; then events and ledger."""
        fills = [fill for _, fill in group.changes.fills]
        await _insert_returning_ids(s, PaperOrder, group.orders)
        touched = list({id(p): p for fill in fills for p in fill.touched}.values())
        await _update_positions(s, [p for p in touched if p.id is not None])
        await _insert_returning_ids(s, PaperPosition, [p for p in touched if p.id is None])
        trades = [t for fill in fills for t in fill.trades]
        for t in trades:
            t.position_id = t.position.id
            t.order_id = t.order.id if t.order is not None else None
        await _insert_returning_ids(s, PaperTrade, trades)
        changed = {a.id: a for a, _ in group.changes.ledger.staged}.values()
        if changed:
            at = PaperAccount.__table__
            statement = (
                update(at).where(at.c.id == bindparam("b_id")).values(balance_minor=bindparam("b_bal"))
            )
            await s.execute(statement, [{"b_id": a.id, "b_bal": a.balance_minor} for a in changed])
        await self._finish(s, group.changes)
        group.changes.watches.extend(position_watch(p) for p in touched)
        group.changes.watches.extend(order_watch(o) for o in group.orders)


class _Undo:
    """What booking one order may change in memory, to put back when the order is refused."""

    def __init__(
        self, acc: PaperAccount, positions: list[PaperPosition], symbol: str, changes: Changes
    ) -> None:
        self._acc, self._balance, self._changes = acc, acc.balance_minor, changes
        self._staged, self._fills = len(changes.ledger.staged), len(changes.fills)
        self._position = next((p for p in positions if p.symbol == symbol), None)
        self._state = {c: getattr(self._position, c) for c in _POSITION_STATE} if self._position else {}

    def __call__(self) -> None:
        self._acc.balance_minor = self._balance
        del self._changes.ledger.staged[self._staged :]
        del self._changes.fills[self._fills :]
        for column, value in self._state.items():
            setattr(self._position, column, value)


async def _insert_returning_ids(s: AsyncSession, model: Any, rows: Sequence[Any]) -> None:
    """Insert ORM objects that are not in a session with one statement; their ids read back in order."""
    if not rows:
        return
    table = model.__table__
    columns = [c for c in table.columns if not c.primary_key]
    values = [{c.key: _value(row, c) for c in columns} for row in rows]
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = (await s.execute(statement, values)).scalars().all()
    for row, row_id in zip(rows, ids, strict=True):
        row.id = row_id


def _value(row: Any, column: Any) -> Any:
    value = row.__dict__.get(column.key)
    if value is None and column.default is not None and column.default.is_scalar:
        return column.default.arg
    return value


async def _update_positions(s: AsyncSession, positions: list[PaperPosition]) -> None:
    if not positions:
        return
    pt = PaperPosition.__table__
    statement = update(pt).where(pt.c.id == bindparam("b_id"))
    statement = statement.values({c: bindparam(f"b_{c}", type_=pt.c[c].type) for c in _POSITION_STATE})
    await s.execute(
        statement, [{"b_id": p.id, **{f"b_{c}": getattr(p, c) for c in _POSITION_STATE}} for p in positions]
    )
