"""The paper venue's state in the database and how it is read: one transaction per account
change holding that account's lock (SELECT ... FOR UPDATE on PostgreSQL, the write lock of BEGIN
IMMEDIATE on SQLite), ids and pages, and the instruments and quotes the venue prices with."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from quant.trading_hours import is_open
from svc_broker import pricing
from svc_broker.broker import (
    AccountView,
    OrderView,
    PositionView,
)
from svc_broker.config import BrokerSettings
from svc_broker.market import PriceSource, Quote, SymbolCatalog, SymbolSpec
from svc_broker.models import PaperAccount, PaperOrder, PaperPosition
from svc_broker.values import Symbol
from svc_broker.venues.paper import events as paper_events
from svc_broker.venues.paper.ledger import HOUSE_FUNDING, CashLedger, Movement
from svc_broker.venues.paper.netting import Fill, MoneyRules
from svc_broker.venues.paper.triggers import (
    Watch,
)
from svc_broker.venues.paper.valuation import (
    account_view,
    order_view,
    position_view,
)


@dataclass
class Changes:
    """What one account transaction did beyond its rows: cash movements for the ledger and the
    triggers the monitor must hear of after the commit."""

    ledger: CashLedger
    watches: list[Watch] = field(default_factory=list)
    fills: list[tuple[PaperAccount, Fill]] = field(default_factory=list)


_sqlite_writers: weakref.WeakKeyDictionary[Database, asyncio.Lock] = weakref.WeakKeyDictionary()


class PaperStore:
    """Paper accounts, one per user, opened on first use with the configured balance."""

    def __init__(
        self,
        db: Database,
        prices: PriceSource,
        symbols: SymbolCatalog,
        clock: Clock,
        settings: BrokerSettings,
    ) -> None:
        self._db = db
        self._prices = prices
        self._symbols = symbols
        self._clock = clock
        self._settings = settings
        self._listeners: list[Callable[[Sequence[Watch]], None]] = []
        self.rules = MoneyRules(settings.account_currency, self._rate, self._leverage)

    # ---- wiring

    def add_listener(self, listener: Callable[[Sequence[Watch]], None]) -> None:
        """Called after each commit with the triggers that changed (the SL/TP monitor listens)."""
        self._listeners.append(listener)

    def spec(self, symbol: str) -> SymbolSpec:
        spec = self._symbols.get(Symbol(symbol))
        if spec is None and not self._symbols.loaded:
            raise Unavailable("the instruments are not loaded yet", reason="NO_INSTRUMENTS", retry_after_s=1)
        if spec is None:
            raise InvalidArgument(
                f"unknown symbol {symbol!r}",
                reason="UNKNOWN_SYMBOL",
                violations=[("symbol", "unknown symbol")],
            )
        return spec

    def effective_quote(self, quote: Quote) -> Quote:
        """A quote as the broker fills it: the spread widened to the session's minimum."""
        spec = self._symbols.get(quote.symbol)
        if spec is None:
            return quote
        return pricing.widened(quote, spec, self._settings.model_spread_share)

    def _quote(self, spec: SymbolSpec) -> Quote:
        quote = self._quote_or_none(spec.symbol)
        if quote is None:
            raise Unavailable(f"no recent price for {spec.symbol}", reason="NO_PRICE", retry_after_s=1)
        return quote

    def _quote_or_none(self, symbol: str) -> Quote | None:
        quote = self._prices.latest(symbol)
        if quote is None:
            return None
        if self._clock.now() - quote.time > timedelta(seconds=self._settings.max_quote_age_s):
            return None
        return self.effective_quote(quote)

    def _last_quote(self, symbol: str) -> Quote | None:
        """The latest quote however old: what open positions are valued at when the feed is late."""
        quote = self._prices.latest(symbol)
        return self.effective_quote(quote) if quote is not None else None

    def _check_priced(self, positions: Sequence[PaperPosition]) -> None:
        """Margin cannot be judged while an open position has never had a price."""
        for p in positions:
            if p.status == "open" and self._prices.latest(p.symbol) is None:
                raise Unavailable(
                    f"no price yet for the open {p.symbol} position", reason="NO_PRICE", retry_after_s=1
                )

    def _rate(self, spec: SymbolSpec) -> Decimal:
        return pricing.conversion_rate(spec.quote_currency, self._settings.account_currency, self._prices)

    def _leverage(self, spec: SymbolSpec) -> int:
        return self._settings.leverage.get(spec.asset_class, 1)

    def _slippage(self, spec: SymbolSpec) -> Decimal:
        return self._settings.slippage_pips * spec.pip_size

    def _check_open(self, spec: SymbolSpec) -> None:
        if not is_open(spec.hours, self._clock.now()):
            raise FailedPrecondition(f"the {spec.symbol} market is closed", reason="MARKET_CLOSED")

    @asynccontextmanager
    async def _locked(self, user_id: str) -> AsyncIterator[tuple[AsyncSession, PaperAccount, Changes]]:
        """A write transaction holding the user's account lock; listeners hear of it after commit."""
        changes = Changes(CashLedger(self._clock))
        async with self._write() as s:
            account = await self._lock_account(s, user_id, changes.ledger)
            yield s, account, changes
            await self._finish(s, changes)
        self._tell(changes)

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        """A write transaction. SQLite allows one writer at a time: this process's writers queue
        on one lock first, in order, instead of polling the file lock with growing sleeps."""
        if not self._db.is_sqlite:
            async with self._db.transaction() as s:
                yield s
            return
        async with _sqlite_writers.setdefault(self._db, asyncio.Lock()), self._db.transaction() as s:
            yield s

    async def _finish(self, s: AsyncSession, changes: Changes) -> None:
        """The end of an account transaction: the fills' events and the ledger's entries, written
        once the trades they refer to have ids."""
        await s.flush()
        events = [
            e for account, fill in changes.fills for e in paper_events.fill_events(account, fill, self._clock)
        ]
        await paper_events.stage_all(s, events, self._clock)
        await changes.ledger.write(s)

    def _tell(self, changes: Changes) -> None:
        """After the commit: the listeners (the SL/TP monitor) hear of the triggers that changed."""
        if changes.watches:
            for listener in self._listeners:
                listener(changes.watches)

    async def _lock_account(self, s: AsyncSession, user_id: str, ledger: CashLedger) -> PaperAccount:
        query = select(PaperAccount).where(PaperAccount.user_id == user_id)
        if not self._db.is_sqlite:
            query = query.with_for_update()
        account = (await s.execute(query)).scalar_one_or_none()
        if account is None:
            inserted = cast(CursorResult[Any], await s.execute(self._insert_ignore(user_id)))
            opened = inserted.rowcount == 1
            account = (await s.execute(query)).scalar_one()
            if opened:  # funded from the house: the opening balance is a journal like any other
                funding = Movement(self._settings.initial_balance_minor, HOUSE_FUNDING, "funding")
                ledger.move(account, funding)
        return account

    def _insert_ignore(self, user_id: str) -> Any:
        if self._db.is_sqlite:
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
        balance = self._settings.initial_balance_minor
        return (
            insert(PaperAccount)
            .values(
                user_id=user_id,
                currency=self._settings.account_currency,
                balance_minor=0,
                initial_balance_minor=balance,
                created_at=self._clock.now(),
            )
            .on_conflict_do_nothing()
        )

    async def _open_positions(self, s: AsyncSession, account: PaperAccount) -> list[PaperPosition]:
        query = select(PaperPosition).where(
            PaperPosition.account_id == account.id, PaperPosition.status == "open"
        )
        return list((await s.execute(query)).scalars())

    async def _account_or_none(self, s: AsyncSession, user_id: str) -> PaperAccount | None:
        query = select(PaperAccount).where(PaperAccount.user_id == user_id)
        return (await s.execute(query)).scalar_one_or_none()

    async def _by_client_order_id(
        self, s: AsyncSession, acc: PaperAccount, client_order_id: str
    ) -> PaperOrder | None:
        query = select(PaperOrder).where(
            PaperOrder.account_id == acc.id, PaperOrder.client_order_id == client_order_id
        )
        return (await s.execute(query)).scalar_one_or_none()

    async def _own_order(self, s: AsyncSession, acc: PaperAccount, order_id: str) -> PaperOrder:
        order: PaperOrder = await _own(s, acc, PaperOrder, order_id, "order")
        return order

    async def _own_position(self, s: AsyncSession, acc: PaperAccount, position_id: str) -> PaperPosition:
        position: PaperPosition = await _own(s, acc, PaperPosition, position_id, "position")
        return position

    async def _page(
        self, account: str, model: Any, query: Any, page_size: int, page_token: str
    ) -> tuple[list, str]:
        """Newest first by id; the token is the last id of the previous page."""
        size = min(page_size or self._settings.default_page_size, self._settings.max_page_size)
        after = _id(page_token, "page_token") if page_token else None
        # the account by its user in the same statement: one round trip (no account: no rows)
        query = query.join(PaperAccount, model.account_id == PaperAccount.id).where(
            PaperAccount.user_id == account
        )
        if after is not None:
            query = query.where(model.id < after)
        async with self._db.session() as s:
            rows = list((await s.execute(query.order_by(model.id.desc()).limit(size + 1))).scalars())
        more = len(rows) > size
        rows = rows[:size]
        return rows, str(rows[-1].id) if more else ""

    async def _owner(self, model: Any, row_id: int) -> str | None:
        async with self._db.session() as s:
            query = select(PaperAccount.user_id).join(model, model.account_id == PaperAccount.id)
            return (await s.execute(query.where(model.id == row_id))).scalar_one_or_none()

    def _account_view(self, account: PaperAccount, positions: Sequence[PaperPosition]) -> AccountView:
        return account_view(
            account,
            positions,
            self._last_quote,
            self.spec,
            self.rules,
            self._settings.margin_call_level_percent,
        )

    def _order_view(self, order: PaperOrder) -> OrderView:
        return order_view(order, self._symbols.get(order.symbol))

    def _position_view(self, p: PaperPosition) -> PositionView:
        spec = self.spec(p.symbol)
        return position_view(p, self._last_quote(p.symbol), spec, self.rules)


async def _own(s: AsyncSession, acc: PaperAccount, model: Any, text_id: str, what: str) -> Any:
    """The account's row of `model` with that id; NOT_FOUND for another account's, as for none."""
    well_formed(text_id, f"{what}_id")
    row = await s.get(model, _id(text_id, f"{what}_id")) if _is_id(text_id) else None
    if row is None or row.account_id != acc.id:
        raise NotFound(f"no {what} {text_id}", reason=f"{what.upper()}_NOT_FOUND")
    return row


def well_formed(text_id: str, field_name: str) -> None:
    """No venue issues ids outside ASCII: such an id is malformed, not merely unknown."""
    if not text_id.isascii():
        raise InvalidArgument(f"bad {field_name}", violations=[(field_name, "not an id")])


def _is_id(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "²", which int() refuses."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def _id(text: str, field_name: str) -> int:
    if not _is_id(text):
        raise InvalidArgument(f"bad {field_name}", violations=[(field_name, "not an id")])
    return int(text)
