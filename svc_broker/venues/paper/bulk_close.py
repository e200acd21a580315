"""The closes one tick's SL/TP triggers make, booked set-wise: the positions the monitor's index
found read as plain rows with one query (their accounts locked in id order with another), each
trigger re-checked and each close booked in memory with the single close's arithmetic, then
every table written with one statement in the same transaction (bulk_write.py): trades (their
ids drawn first), positions, balances, ledger journals and outbox events. No ORM object is made or
flushed: at 10,000 closes a tick the ORM's per-row work, not the database, was the cost.

A user's close and the stop-out keep the general path (`_close_at_market`), whose booking this
one must match to the cent (tests/broker/test_bulk_close.py compares the two).

The trigger check stays in Python with exact decimals: on SQLite the levels are stored as
text, so a SQL comparison would compare strings, and floats would misjudge a tick exactly at
its level.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.heap import collector_paused
from svc_broker import pricing
from svc_broker.market import Quote
from svc_broker.models import PaperAccount, PaperPosition, PaperTrade
from svc_broker.venues.paper import events as paper_events
from svc_broker.venues.paper.bulk_write import (
    CloseRows,
    OpenRow,
    draw_trade_ids,
    lock_owners,
    read_open,
    write_postgres,
    write_sqlite,
)
from svc_broker.venues.paper.execution import PaperExecution
from svc_broker.venues.paper.ledger import CASH, HOUSE_PNL, HOUSE_WRITE_OFF
from svc_broker.venues.paper.triggers import Watch, position_touched

log = logging.getLogger(__name__)

BATCH_IDS = 10_000  # ids per IN (...): under both databases' bound-parameter limits
_P = PaperPosition.__table__
_A = PaperAccount.__table__
_T = PaperTrade.__table__


@dataclass(slots=True)
class _Account:
    id: int
    user_id: str
    currency: str
    balance_minor: int


@dataclass(slots=True)
class _Close:
    """One position closed in full: what the single path's netting would book for it."""

    position_id: int
    account: _Account
    symbol: str
    position_side: str
    entry_price: Decimal
    reason: str
    side: str
    quantity: Decimal
    price: Decimal
    pnl_minor: int  # this fill's realized PnL
    total_pnl_minor: int  # the position's realized PnL once closed
    total_pnl_exact: Decimal
    written_off_minor: int = 0
    trade_id: int = 0


class PaperBulkClose(PaperExecution):
    """`fire_position_triggers`: a tick's SL/TP closes in one transaction, written set-wise."""

    async def fire_position_triggers(self, touched: Sequence[tuple[int, str]], quote: Quote) -> list[int]:
        """Close every position whose SL or TP (`what`) `quote` touches, all in one transaction.
        Returns the ids closed; one that no longer applies (closed, level moved) is left alone."""
        if not touched:
            return []
        wanted = dict(touched)
        closes: list[_Close] = []
        with collector_paused():  # the batch's objects die inside it (core/heap.py)
            await self._close_touched(wanted, quote, closes)
            self._tell_closed(closes)
            closed = [c.position_id for c in closes]
            closes.clear()
        return closed

    async def _close_touched(self, wanted: dict[int, str], quote: Quote, closes: list[_Close]) -> None:
        priced: dict[str, tuple[Decimal, Decimal]] = {}  # per symbol, once per batch
        async with self._write() as s:
            ids = sorted(wanted)
            for chunk in (ids[i : i + BATCH_IDS] for i in range(0, len(ids), BATCH_IDS)):
                accounts = await self._lock_owners(s, chunk)
                for row in await read_open(s, chunk, self._db.is_sqlite):
                    close = self._booked_close(row, wanted[row.id], quote, accounts[row.account_id], priced)
                    if close is not None:
                        closes.append(close)
            if closes:
                await self._write_closes(s, closes)

    async def _lock_owners(self, s: AsyncSession, position_ids: list[int]) -> dict[int, _Account]:
        """The accounts owning these positions, locked in id order (the order every batch takes)."""
        return {r[0]: _Account(*r) for r in await lock_owners(s, position_ids, self._db.is_sqlite)}

    def _priced(self, symbol: str) -> tuple[Decimal, Decimal]:
        """An instrument's slippage and its rate into the account currency."""
        spec = self.spec(symbol)
        return self._slippage(spec), self.rules.rate(spec)

    def _booked_close(
        self,
        row: OpenRow,
        what: str,
        quote: Quote,
        account: _Account,
        priced: dict[str, tuple[Decimal, Decimal]],
    ) -> _Close | None:
        """The close of one position at `quote` if its `what` trigger still applies."""
        level = row.stop_loss if what == "stop_loss" else row.take_profit
        if not position_touched(row.side, what, level, quote):
            return None
        if row.symbol not in priced:
            priced[row.symbol] = self._priced(row.symbol)
        slippage, rate = priced[row.symbol]
        if what == "take_profit":  # a take profit fills at its quote
            slippage = Decimal(0)
        return self._full_close(row, what, quote, slippage, rate, account)

    def _full_close(
        self, row: OpenRow, reason: str, quote: Quote, slippage: Decimal, rate: Decimal, account: _Account
    ) -> _Close:
        """A position closed in full at `quote`, booked in memory as `netting.book` and
        `CashLedger` book it: the change of the rounded realized total, the account's balance,
        negative-balance protection."""
        side = "sell" if row.side == "long" else "buy"
        price = pricing.fill_price(side, quote, slippage)
        proceeds = price * row.quantity
        pnl_quote = proceeds - row.cost if row.side == "long" else row.cost - proceeds
        before = row.realized_pnl_exact or Decimal(0)
        after = before + pnl_quote * rate  # as MoneyRules.to_account converts
        pnl = self.rules.minor(after) - self.rules.minor(before)
        close = _Close(
            row.id, account, row.symbol, row.side, row.entry_price, reason, side, row.quantity, price,
            pnl, row.realized_pnl_minor + pnl, after,
        )  # fmt: skip
        account.balance_minor += pnl
        if account.balance_minor < 0:
            close.written_off_minor = -account.balance_minor
            account.balance_minor = 0
            log.warning(
                "account %s: a %s loss of %s beyond the balance written off",
                account.id, row.symbol, close.written_off_minor,
            )  # fmt: skip
        return close

    def _tell_closed(self, closes: list[_Close]) -> None:
        """After the commit: the listeners hear that these positions have no triggers left."""
        watches = [Watch(("position", c.position_id), c.symbol, ()) for c in closes]
        if watches:
            for listener in self._listeners:
                listener(watches)

    async def _write_closes(self, s: AsyncSession, closes: list[_Close]) -> None:
        """One statement per table, rows in the order the single path writes them."""
        rows = CloseRows(self._clock.now())
        trade_ids = await draw_trade_ids(s, len(closes), self._db.is_sqlite)
        for close, trade_id in zip(closes, trade_ids, strict=True):
            close.trade_id = trade_id
        # The events are built in a thread while the database writes the tables: the loop only
        # waits on the driver meanwhile, so the two overlap on a second core.
        building = asyncio.ensure_future(asyncio.to_thread(_close_events, closes, rows.at, self._clock))
        rows.positions = [(c.position_id, c.total_pnl_minor, c.total_pnl_exact) for c in closes]
        rows.balances = [(a.id, a.balance_minor) for a in {c.account.id: c.account for c in closes}.values()]

        def build() -> None:  # the trades' and the ledger's rows, built while positions are written
            for c in closes:
                rows.trades.append((
                    c.trade_id, c.account.id, None, c.position_id, c.symbol, c.side, c.quantity, c.price,
                    c.pnl_minor, c.reason, rows.at, c.written_off_minor,
                ))  # fmt: skip
                _add_journals(rows, c)

        try:
            await (write_sqlite if self._db.is_sqlite else write_postgres)(s, rows, build, building)
        finally:
            await asyncio.gather(building, return_exceptions=True)  # never left running


def _close_events(closes: list[_Close], at: datetime, clock: Clock) -> list[tuple[str, bytes]]:
    events = paper_events.CloseEvents(at, clock)
    made: list[tuple[str, bytes]] = []
    for c in closes:
        a = c.account
        made += events.pair(
            a.user_id, a.id, a.currency, c.position_id, c.symbol, c.position_side, c.entry_price,
            c.trade_id, c.side, c.price, c.quantity, c.reason, c.total_pnl_minor,
        )  # fmt: skip
    return made


def _add_journals(rows: CloseRows, c: _Close) -> None:
    """A close's journals as the single path stages them: the fill's PnL, then any write-off."""
    journals = ((c.pnl_minor, HOUSE_PNL, "fill"), (c.written_off_minor, HOUSE_WRITE_OFF, "write_off"))
    for amount, house, kind in journals:
        if amount != 0:
            journal, currency = uuid.uuid4().hex, c.account.currency
            rows.ledger.append((journal, CASH, c.account.id, amount, currency, kind, c.trade_id, rows.at))
            rows.ledger.append((journal, house, None, -amount, currency, kind, c.trade_id, rows.at))
