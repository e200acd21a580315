"""The margin stop-out, set-wise: every account whose margin level is at or below the stop-out
level has its worst position closed, one after another, until the level is above it again (or
nothing priced is left). One query reads every open position with its account's balance to judge
the accounts; then one transaction locks the accounts below (id order), reads their open
positions with one query, books each close in memory with the single close's arithmetic
(negative-balance protection included) and writes every table with one statement, as the SL/TP
closes are written (bulk_close.py, bulk_write.py).

`stop_out_account` is the general path, one account through the ORM (`_close_at_market`): the
fallback when the set-wise transaction fails, and what the set-wise one must match row for row
(tests/broker/test_stop_out.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.heap import collector_paused
from svc_broker.models import PaperAccount, PaperPosition
from svc_broker.venues.paper.bulk_close import PaperBulkClose, _Account, _Close
from svc_broker.venues.paper.bulk_write import OpenRow, read_open
from svc_broker.venues.paper.ledger import CashLedger
from svc_broker.venues.paper.store import Changes
from svc_broker.venues.paper.valuation import margin_level, open_pnl_minor, unrealized_minor

log = logging.getLogger(__name__)

_P = PaperPosition.__table__
_A = PaperAccount.__table__
_ROW = (
    _P.c.id, _P.c.account_id, _P.c.symbol, _P.c.side, _P.c.quantity, _P.c.cost, _P.c.entry_price,
    _P.c.realized_pnl_minor, _P.c.realized_pnl_exact, _P.c.stop_loss, _P.c.take_profit, _P.c.margin_minor,
)  # fmt: skip


class PaperStopOut(PaperBulkClose):
    """`enforce_stop_out`, set-wise, with the general path beside it."""

    async def enforce_stop_out(self) -> int:
        """Stop out every account below the level, all in one transaction; if that fails, one
        account at a time through the general path. Returns the positions closed."""
        below = await self._accounts_below()
        if not below:
            return 0
        try:
            return await self._stop_out(below)
        except Exception:  # one account's trouble must not hold up the others: one at a time
            log.exception("stop-out of %d accounts failed; trying them one by one", len(below))
        closed = 0
        for account_id in below:
            try:
                closed += await self.stop_out_account(account_id)
            except Exception:
                log.exception("stop-out of account %s failed", account_id)
        return closed

    async def _accounts_below(self) -> list[int]:
        """The accounts at or below the stop-out level, judged from one read of every open
        position and its account's balance (an account that cannot be valued is left alone)."""
        query = select(*_ROW, _A.c.balance_minor).join(_A, _A.c.id == _P.c.account_id)
        by_account: dict[int, tuple[int, list[OpenRow]]] = {}
        async with self._db.session() as s:
            for *position, balance in await s.execute(query.where(_P.c.status == "open")):
                row = OpenRow(*position)
                by_account.setdefault(row.account_id, (balance, []))[1].append(row)
        below = []
        for account_id, (balance, rows) in sorted(by_account.items()):
            try:
                if self._is_below(balance, rows):
                    below.append(account_id)
            except Exception:
                log.exception("valuing account %s failed", account_id)
        return below

    def _is_below(self, balance_minor: int, rows: Sequence[OpenRow]) -> bool:
        """The account's margin level, as `account_view` values it, at or below the stop-out level."""
        unrealized = 0
        for r in rows:
            quote = self._last_quote(r.symbol)
            spec = self.spec(r.symbol)
            if quote is not None:
                unrealized += open_pnl_minor(r.side, r.quantity, r.cost, quote, spec, self.rules)
        level = margin_level(balance_minor + unrealized, sum(r.margin_minor for r in rows))
        return level is not None and level <= self._settings.stop_out_level_percent

    async def _stop_out(self, account_ids: list[int]) -> int:
        closes: list[_Close] = []
        with collector_paused():  # the batch's objects die inside it (core/heap.py)
            await self._stop_out_in_one(account_ids, closes)
            self._tell_closed(closes)
            closed = len(closes)
            closes.clear()
        return closed

    async def _stop_out_in_one(self, account_ids: list[int], closes: list[_Close]) -> None:
        async with self._write() as s:
            accounts = await self._lock_accounts(s, account_ids)
            by_account: dict[int, list[OpenRow]] = {}
            for row in await read_open(s, account_ids, self._db.is_sqlite, column="account_id"):
                by_account.setdefault(row.account_id, []).append(row)
            for account in accounts:
                closes += self._stop_out_closes(account, by_account.get(account.id, []))
            if closes:
                await self._write_closes(s, closes)

    async def _lock_accounts(self, s: AsyncSession, account_ids: list[int]) -> list[_Account]:
        query = select(_A.c.id, _A.c.user_id, _A.c.currency, _A.c.balance_minor)
        query = query.where(_A.c.id.in_(account_ids)).order_by(_A.c.id)
        if not self._db.is_sqlite:
            query = query.with_for_update()
        return [_Account(*r) for r in await s.execute(query)]

    def _stop_out_closes(self, account: _Account, rows: list[OpenRow]) -> list[_Close]:
        """The account's worst priced position closed at market, again and again while it is
        below the level: `_stop_out_account`'s loop on plain rows."""
        closes: list[_Close] = []
        rows = list(rows)
        while rows and self._is_below(account.balance_minor, rows):
            priced = [(r, q) for r in rows if (q := self._quote_or_none(r.symbol)) is not None]
            if not priced:
                break
            worst, quote = min(
                priced,
                key=lambda rq: open_pnl_minor(
                    rq[0].side, rq[0].quantity, rq[0].cost, rq[1], self.spec(rq[0].symbol), self.rules
                ),
            )
            slippage, rate = self._priced(worst.symbol)
            closes.append(self._full_close(worst, "stop_out", quote, slippage, rate, account))
            rows.remove(worst)
        return closes

    async def stop_out_account(self, account_id: int) -> int:
        """One account's stop-out through the general path, in its own transaction."""
        changes = Changes(CashLedger(self._clock))
        async with self._write() as s:
            query = select(PaperAccount).where(PaperAccount.id == account_id)
            if not self._db.is_sqlite:
                query = query.with_for_update()
            acc = (await s.execute(query)).scalar_one_or_none()
            if acc is None:
                return 0
            open_rows = select(PaperPosition).where(
                PaperPosition.account_id == acc.id, PaperPosition.status == "open"
            )
            positions = list((await s.execute(open_rows.order_by(PaperPosition.id))).scalars())
            closed = await self._stop_out_account(s, acc, positions, changes)
            await self._finish(s, changes)
        self._tell(changes)
        return closed

    async def _stop_out_account(
        self, s: AsyncSession, acc: PaperAccount, positions: list[PaperPosition], changes: Changes
    ) -> int:
        closed = 0
        while positions and self._below_stop_out(acc, positions):
            priced = [p for p in positions if self._quote_or_none(p.symbol) is not None]
            if not priced:
                break
            worst = min(
                priced,
                key=lambda p: unrealized_minor(
                    p, self._quote_or_none(p.symbol), self.spec(p.symbol), self.rules
                ),
            )
            spec = self.spec(worst.symbol)
            await self._close_at_market(
                s, acc, worst, spec, self._quote(spec), "stop_out", changes, flush=False
            )
            positions = [p for p in positions if p.status == "open"]
            closed += 1
        return closed

    def _below_stop_out(self, acc: PaperAccount, positions: list[PaperPosition]) -> bool:
        level = self._account_view(acc, positions).margin_level_percent
        return level is not None and level <= self._settings.stop_out_level_percent
