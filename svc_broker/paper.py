"""PaperBroker: the Broker interface filled against the live bid and ask, kept in the database.

Every change to an account happens in one transaction holding the account's lock (SELECT ...
FOR UPDATE on PostgreSQL, the write lock of BEGIN IMMEDIATE on SQLite), so concurrent orders
on one account are checked against the margin the previous ones left, and a position is closed
by exactly one of the callers racing to close it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from svc_broker import paper_events, pricing
from svc_broker.broker import (
    UNCHANGED,
    AccountView,
    CloseResult,
    ExecutionReport,
    OrderRequest,
    OrderView,
    Page,
    PositionView,
)
from svc_broker.config import BrokerSettings
from svc_broker.ledger import HOUSE_FUNDING, HOUSE_PNL, CashLedger, Movement
from svc_broker.market import PriceSource, Quote, SymbolCatalog, SymbolSpec
from svc_broker.models import PaperAccount, PaperOrder, PaperPosition, PaperTrade
from svc_broker.netting import Execution, Fill, MoneyRules, book
from svc_broker.rules import (
    check_close_quantity,
    check_order_request,
    check_positive,
    check_protection,
    check_stop_price,
)
from svc_broker.triggers import Trigger, order_trigger, position_triggers
from svc_broker.valuation import account_view, execution_report, order_view, position_view, unrealized_minor
from svc_broker.values import Symbol
from svc_market.trading_hours import is_open, trading_day_end

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Watch:
    """The price triggers of one position or pending order; no triggers means stop watching it."""

    key: tuple[str, int]  # ("position", id) or ("order", id)
    symbol: str
    triggers: tuple[Trigger, ...]


def position_watch(p: PaperPosition) -> Watch:
    triggers = position_triggers(p.side, p.stop_loss, p.take_profit) if p.status == "open" else []
    return Watch(("position", p.id), p.symbol, tuple(triggers))


def order_watch(o: PaperOrder) -> Watch:
    pending = o.status == "pending"
    triggers = (order_trigger(o.side, o.type, o.limit_price, o.stop_price),) if pending else ()
    return Watch(("order", o.id), o.symbol, triggers)


@dataclass
class _Changes:
    ledger: CashLedger
    watches: list[Watch] = field(default_factory=list)


class PaperBroker:
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

    # ---- transactions

    @asynccontextmanager
    async def _locked(self, user_id: str) -> AsyncIterator[tuple[AsyncSession, PaperAccount, _Changes]]:
        """A write transaction holding the user's account lock; listeners hear of it after commit."""
        changes = _Changes(CashLedger(self._clock))
        async with self._db.transaction() as s:
            account = await self._lock_account(s, user_id, changes.ledger)
            yield s, account, changes
            await s.flush()  # the trades the entries refer to get their ids
            changes.ledger.write(s)
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

    async def _execute(
        self, s: AsyncSession, account: PaperAccount, ex: Execution, changes: _Changes, *, check_margin: bool
    ) -> Fill:
        """Book an execution, refuse it when it adds margin the account cannot cover, stage its events."""
        positions = await self._open_positions(s, account)
        current = next((p for p in positions if p.symbol == ex.spec.symbol), None)
        margin_before = sum(p.margin_minor for p in positions)
        fill = book(account, current, ex, self.rules)
        for trade in fill.trades:
            changes.ledger.move(account, Movement(trade.realized_pnl_minor, HOUSE_PNL, "fill", trade))
        if fill.trades:
            fill.written_off_minor = changes.ledger.protect(account, fill.trades[-1])
            if fill.written_off_minor:
                log.warning(
                    "account %s: a %s loss of %s beyond the balance written off",
                    account.id, ex.spec.symbol, fill.written_off_minor,
                )  # fmt: skip
        if check_margin:
            after = positions + [p for p in fill.touched if p not in positions]
            view = self._account_view(account, after)
            if view.margin_minor > margin_before:
                self._check_priced(after)
            if view.margin_minor > margin_before and view.free_margin_minor < 0:
                raise FailedPrecondition(
                    f"free margin {view.free_margin_minor + view.margin_minor - margin_before} is less than "
                    f"the {view.margin_minor - margin_before} this order needs",
                    reason="INSUFFICIENT_MARGIN",
                )
        s.add_all(fill.trades)
        await s.flush()
        for trade in fill.trades:
            await paper_events.stage_trade_executed(s, account.user_id, account.id, trade, self._clock)
        for position in fill.closed:
            closing = fill.closed_trades[id(position)]
            await paper_events.stage_position_closed(
                s, account.user_id, account.id, position, closing, account.currency, self._clock
            )
        changes.watches.extend(position_watch(p) for p in fill.touched)
        return fill

    async def _close_at_market(
        self,
        s: AsyncSession,
        acc: PaperAccount,
        position: PaperPosition,
        spec: SymbolSpec,
        quote: Quote,
        reason: str,
        changes: _Changes,
        quantity: Decimal | None = None,
    ) -> Fill:
        """Close `quantity` of a position (all of it by default) at `quote`; a take profit fills
        at its quote, every other close pays the slippage."""
        side = "sell" if position.side == "long" else "buy"
        slippage = Decimal(0) if reason == "take_profit" else self._slippage(spec)
        amount = position.quantity if quantity is None else quantity
        ex = Execution(
            spec, side, amount, pricing.fill_price(side, quote, slippage), reason, self._clock.now()
        )
        return await self._execute(s, acc, ex, changes, check_margin=False)

    def _account_view(self, account: PaperAccount, positions: Sequence[PaperPosition]) -> AccountView:
        return account_view(
            account,
            positions,
            self._last_quote,
            self.spec,
            self.rules,
            self._settings.margin_call_level_percent,
        )

    # ---- orders

    async def place_order(self, account: str, request: OrderRequest) -> OrderView:
        # A retry is answered with the order its id already made, whatever the retry says.
        if request.client_order_id:
            async with self._db.session() as s:
                acc_or_none = await self._account_or_none(s, account)
                if acc_or_none is not None:
                    existing = await self._by_client_order_id(s, acc_or_none, request.client_order_id)
                    if existing is not None:
                        return self._order_view(existing)
        spec = self.spec(request.symbol)
        quantity = pricing.units_for(request.amount, request.unit, spec)
        check_order_request(request, quantity, spec)
        async with self._locked(account) as (s, acc, changes):
            if request.client_order_id:  # made by a concurrent call since the look-up above
                existing = await self._by_client_order_id(s, acc, request.client_order_id)
                if existing is not None:
                    return self._order_view(existing)
            self._check_open(spec)
            quote = self._quote(spec)
            order = self._new_order(acc, request, spec, quantity)
            s.add(order)
            if order.type == "stop":
                check_stop_price(order.side, order.stop_price, quote)
            trigger = None
            if order.type != "market":
                trigger = order_trigger(order.side, order.type, order.limit_price, order.stop_price)
            if trigger is None or trigger.touched(quote):
                slippage = Decimal(0) if order.type == "limit" else self._slippage(spec)
                price = pricing.fill_price(order.side, quote, slippage)
                check_protection(order.side, price, order.stop_loss, order.take_profit)
                await self._fill_order(s, acc, order, spec, price, changes)
            else:
                check_protection(order.side, trigger.level, order.stop_loss, order.take_profit)
                await self._rest_order(s, acc, order, spec, changes)
            return order_view(order, spec)

    def _order_view(self, order: PaperOrder) -> OrderView:
        return order_view(order, self._symbols.get(order.symbol))

    def _new_order(
        self, acc: PaperAccount, request: OrderRequest, spec: SymbolSpec, quantity: Decimal
    ) -> PaperOrder:
        now = self._clock.now()
        order_type = request.type or "market"
        return PaperOrder(
            account_id=acc.id,
            client_order_id=request.client_order_id or None,
            symbol=spec.symbol,
            side=request.side,
            type=order_type,
            time_in_force="ioc" if order_type == "market" else request.time_in_force,
            quantity=quantity,
            limit_price=request.limit_price if order_type == "limit" else None,
            stop_price=request.stop_price if order_type == "stop" else None,
            stop_loss=request.stop_loss,
            take_profit=request.take_profit,
            status="pending",
            created_at=now,
            updated_at=now,
            expires_at=trading_day_end(spec.hours, now) if request.time_in_force == "day" else None,
        )

    async def _fill_order(
        self,
        s: AsyncSession,
        acc: PaperAccount,
        order: PaperOrder,
        spec: SymbolSpec,
        price: Decimal,
        changes: _Changes,
    ) -> None:
        now = self._clock.now()
        ex = Execution(
            spec, order.side, order.quantity, price, "order", now, order, order.stop_loss, order.take_profit
        )
        await self._execute(s, acc, ex, changes, check_margin=True)
        order.status, order.fill_price, order.filled_at, order.updated_at = "filled", price, now, now
        changes.watches.append(order_watch(order))

    async def _rest_order(
        self, s: AsyncSession, acc: PaperAccount, order: PaperOrder, spec: SymbolSpec, changes: _Changes
    ) -> None:
        """A limit or stop order that cannot fill now: IOC cancels it; others wait, if margin allows."""
        if order.time_in_force == "ioc":
            order.status = "cancelled"
            await s.flush()
            return
        await self._check_resting_margin(s, acc, order, spec)
        await s.flush()
        changes.watches.append(order_watch(order))

    async def _check_resting_margin(
        self, s: AsyncSession, acc: PaperAccount, order: PaperOrder, spec: SymbolSpec
    ) -> None:
        """A resting order that adds to the account's exposure needs the free margin for its level."""
        level = order.limit_price if order.type == "limit" else order.stop_price
        assert level is not None
        positions = await self._open_positions(s, acc)
        if self._reduces(positions, order):
            return
        self._check_priced(positions)
        needed = self.rules.margin_minor(order.quantity, level, spec)
        view = self._account_view(acc, positions)
        if needed > view.free_margin_minor:
            raise FailedPrecondition(
                f"free margin {view.free_margin_minor} is less than the {needed} this order needs",
                reason="INSUFFICIENT_MARGIN",
            )

    @staticmethod
    def _reduces(positions: Sequence[PaperPosition], order: PaperOrder) -> bool:
        current = next((p for p in positions if p.symbol == order.symbol), None)
        return current is not None and (current.side == "long") != (order.side == "buy")

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

    async def modify_order(
        self,
        account: str,
        order_id: str,
        *,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        stop_loss: Decimal | None = UNCHANGED,
        take_profit: Decimal | None = UNCHANGED,
    ) -> OrderView:
        async with self._locked(account) as (s, acc, changes):
            order = await self._own_order(s, acc, order_id)
            if order.status != "pending":
                raise FailedPrecondition(f"order {order_id} is {order.status}", reason="ORDER_NOT_PENDING")
            spec = self.spec(order.symbol)
            check_positive("limit_price", limit_price)
            check_positive("stop_price", stop_price)
            if limit_price is not None and order.type == "limit":
                order.limit_price = limit_price
            if stop_price is not None and order.type == "stop":
                check_stop_price(order.side, stop_price, self._quote(spec))
                order.stop_price = stop_price
            if stop_loss is None or not stop_loss.is_nan():
                order.stop_loss = stop_loss
            if take_profit is None or not take_profit.is_nan():
                order.take_profit = take_profit
            level = order.limit_price if order.type == "limit" else order.stop_price
            assert level is not None
            check_protection(order.side, level, order.stop_loss, order.take_profit)
            if limit_price is not None or stop_price is not None:
                await self._check_resting_margin(s, acc, order, spec)
            order.updated_at = self._clock.now()
            await s.flush()
            changes.watches.append(order_watch(order))
            return order_view(order, spec)

    async def cancel_order(self, account: str, order_id: str) -> OrderView:
        async with self._locked(account) as (s, acc, changes):
            order = await self._own_order(s, acc, order_id)
            if order.status != "pending":
                raise FailedPrecondition(f"order {order_id} is {order.status}", reason="ORDER_NOT_PENDING")
            await self._end_order(s, acc, order, "cancelled", None, changes)
            return self._order_view(order)

    async def _end_order(
        self,
        s: AsyncSession,
        acc: PaperAccount,
        order: PaperOrder,
        status: str,
        reason: str | None,
        changes: _Changes,
    ) -> None:
        order.status, order.reject_reason, order.updated_at = status, reason, self._clock.now()
        await s.flush()
        await paper_events.stage_order_refused(s, acc.user_id, acc.id, order, self._clock)
        changes.watches.append(order_watch(order))

    async def get_order(self, account: str, order_id: str) -> OrderView:
        _well_formed(order_id, "order_id")
        async with self._db.session() as s:
            acc = await self._account_or_none(s, account)
            if acc is None:
                raise NotFound(f"no order {order_id}", reason="ORDER_NOT_FOUND")
            order = await self._own_order(s, acc, order_id)
            return self._order_view(order)

    async def list_orders(
        self,
        account: str,
        *,
        status: str | None = None,
        symbol: str | None = None,
        page_size: int = 0,
        page_token: str = "",
    ) -> Page[OrderView]:
        query = select(PaperOrder)
        if status:
            query = query.where(PaperOrder.status == status)
        if symbol:
            query = query.where(PaperOrder.symbol == Symbol(symbol))
        rows, token = await self._page(account, PaperOrder, query, page_size, page_token)
        return Page([self._order_view(o) for o in rows], token)

    # ---- positions

    async def positions(
        self, account: str, *, status: str = "open", page_size: int = 0, page_token: str = ""
    ) -> Page[PositionView]:
        query = select(PaperPosition).where(PaperPosition.status == (status or "open"))
        rows, token = await self._page(account, PaperPosition, query, page_size, page_token)
        return Page([self._position_view(p) for p in rows], token)

    def _position_view(self, p: PaperPosition) -> PositionView:
        spec = self.spec(p.symbol)
        return position_view(p, self._last_quote(p.symbol), spec, self.rules)

    async def _own_position(self, s: AsyncSession, acc: PaperAccount, position_id: str) -> PaperPosition:
        position: PaperPosition = await _own(s, acc, PaperPosition, position_id, "position")
        return position

    async def get_position(self, account: str, position_id: str) -> PositionView:
        _well_formed(position_id, "position_id")
        async with self._db.session() as s:
            acc = await self._account_or_none(s, account)
            if acc is None:
                raise NotFound(f"no position {position_id}", reason="POSITION_NOT_FOUND")
            return self._position_view(await self._own_position(s, acc, position_id))

    async def close_position(
        self, account: str, position_id: str, quantity: Decimal | None = None
    ) -> CloseResult:
        async with self._locked(account) as (s, acc, changes):
            position = await self._own_position(s, acc, position_id)
            if position.status != "open":
                raise FailedPrecondition(f"position {position_id} is closed", reason="POSITION_CLOSED")
            amount = quantity if quantity is not None else position.quantity
            if amount <= 0 or amount > position.quantity:
                raise InvalidArgument(
                    f"close between 0 and {position.quantity}",
                    reason="QUANTITY_EXCEEDS_POSITION",
                    violations=[("quantity", "more than the open quantity")],
                )
            spec = self.spec(position.symbol)
            check_close_quantity(amount, position.quantity, spec)
            self._check_open(spec)
            fill = await self._close_at_market(
                s, acc, position, spec, self._quote(spec), "close", changes, amount
            )
            return CloseResult(self._position_view(position), execution_report(fill.trades[0], acc.currency))

    async def modify_position(
        self,
        account: str,
        position_id: str,
        *,
        stop_loss: Decimal | None = UNCHANGED,
        take_profit: Decimal | None = UNCHANGED,
    ) -> PositionView:
        async with self._locked(account) as (s, acc, changes):
            position = await self._own_position(s, acc, position_id)
            if position.status != "open":
                raise FailedPrecondition(f"position {position_id} is closed", reason="POSITION_CLOSED")
            if stop_loss is None or not stop_loss.is_nan():
                position.stop_loss = stop_loss
            if take_profit is None or not take_profit.is_nan():
                position.take_profit = take_profit
            quote = self._quote(self.spec(position.symbol))
            opening_side = "buy" if position.side == "long" else "sell"
            check_protection(
                opening_side,
                pricing.mark_price(position.side, quote),
                position.stop_loss,
                position.take_profit,
            )
            await s.flush()
            changes.watches.append(position_watch(position))
            return self._position_view(position)

    # ---- account

    async def _account_or_none(self, s: AsyncSession, user_id: str) -> PaperAccount | None:
        query = select(PaperAccount).where(PaperAccount.user_id == user_id)
        return (await s.execute(query)).scalar_one_or_none()

    async def account_state(self, account: str) -> AccountView:
        async with self._db.session() as s:
            acc = await self._account_or_none(s, account)
            if acc is not None:
                return self._account_view(acc, await self._open_positions(s, acc))
        async with self._locked(account) as (s, acc, _):
            return self._account_view(acc, await self._open_positions(s, acc))

    async def reset_account(self, account: str) -> AccountView:
        """Start again: every order, position and fill of the account deleted, the initial balance back."""
        async with self._locked(account) as (s, acc, changes):
            positions = (
                await s.execute(select(PaperPosition).where(PaperPosition.account_id == acc.id))
            ).scalars()
            orders = (await s.execute(select(PaperOrder).where(PaperOrder.account_id == acc.id))).scalars()
            changes.watches.extend(Watch(("position", p.id), p.symbol, ()) for p in positions)
            changes.watches.extend(Watch(("order", o.id), o.symbol, ()) for o in orders)
            for model in (PaperTrade, PaperPosition, PaperOrder):
                await s.execute(delete(model).where(model.account_id == acc.id))  # type: ignore[attr-defined]
            initial = self._settings.initial_balance_minor
            changes.ledger.move(acc, Movement(initial - acc.balance_minor, HOUSE_FUNDING, "reset"))
            acc.initial_balance_minor = initial
            acc.reset_at = self._clock.now()
            await s.flush()
            return self._account_view(acc, [])

    async def execution_reports(
        self, account: str, *, symbol: str | None = None, page_size: int = 0, page_token: str = ""
    ) -> Page[ExecutionReport]:
        query = select(PaperTrade)
        if symbol:
            query = query.where(PaperTrade.symbol == Symbol(symbol))
        rows, token = await self._page(account, PaperTrade, query, page_size, page_token)
        return Page([execution_report(t, self._settings.account_currency) for t in rows], token)

    async def _page(
        self, account: str, model: Any, query: Any, page_size: int, page_token: str
    ) -> tuple[list, str]:
        """Newest first by id; the token is the last id of the previous page."""
        size = min(page_size or self._settings.default_page_size, self._settings.max_page_size)
        after = _id(page_token, "page_token") if page_token else None
        async with self._db.session() as s:
            acc = await self._account_or_none(s, account)
            if acc is None:
                return [], ""
            query = query.where(model.account_id == acc.id)
            if after is not None:
                query = query.where(model.id < after)
            rows = list((await s.execute(query.order_by(model.id.desc()).limit(size + 1))).scalars())
        more = len(rows) > size
        rows = rows[:size]
        return rows, str(rows[-1].id) if more else ""

    # ---- the price stream's side: triggers, stop-out, expiry

    async def watches(self) -> list[Watch]:
        """Every open position with an SL or TP and every pending order (what the monitor loads)."""
        async with self._db.session() as s:
            positions = (
                await s.execute(
                    select(PaperPosition).where(
                        PaperPosition.status == "open",
                        (PaperPosition.stop_loss.is_not(None)) | (PaperPosition.take_profit.is_not(None)),
                    )
                )
            ).scalars()
            found = [position_watch(p) for p in positions]
            orders = (await s.execute(select(PaperOrder).where(PaperOrder.status == "pending"))).scalars()
            found.extend(order_watch(o) for o in orders)
        return found

    async def watch_of(self, key: tuple[str, int]) -> Watch | None:
        async with self._db.session() as s:
            if key[0] == "position":
                position = await s.get(PaperPosition, key[1])
                return position_watch(position) if position is not None else None
            order = await s.get(PaperOrder, key[1])
            return order_watch(order) if order is not None else None

    async def _owner(self, model: Any, row_id: int) -> str | None:
        async with self._db.session() as s:
            query = select(PaperAccount.user_id).join(model, model.account_id == PaperAccount.id)
            return (await s.execute(query.where(model.id == row_id))).scalar_one_or_none()

    async def fire_position_trigger(self, position_id: int, what: str, quote: Quote) -> bool:
        """Close a position whose SL or TP `quote` touches; False when it no longer applies
        (already closed, level moved), which makes closing happen once however many ticks race."""
        user = await self._owner(PaperPosition, position_id)
        if user is None:
            return False
        async with self._locked(user) as (s, acc, changes):
            position = await s.get(PaperPosition, position_id)
            if position is None or position.status != "open":
                return False
            trigger = next(
                (
                    t
                    for t in position_triggers(position.side, position.stop_loss, position.take_profit)
                    if t.what == what
                ),
                None,
            )
            if trigger is None or not trigger.touched(quote):
                return False
            await self._close_at_market(s, acc, position, self.spec(position.symbol), quote, what, changes)
            return True

    async def fire_order_trigger(self, order_id: int, quote: Quote) -> bool:
        """Fill a pending order whose price `quote` touches, at that quote (a gap fills at the
        first available price, not at the stop); reject it if the margin is not there or if the
        fill price has gapped past its own SL or TP."""
        user = await self._owner(PaperOrder, order_id)
        if user is None:
            return False
        async with self._locked(user) as (s, acc, changes):
            order = await s.get(PaperOrder, order_id)
            if order is None or order.status != "pending":
                return False
            if not order_trigger(order.side, order.type, order.limit_price, order.stop_price).touched(quote):
                return False
            spec = self.spec(order.symbol)
            slippage = self._slippage(spec) if order.type == "stop" else Decimal(0)
            price = pricing.fill_price(order.side, quote, slippage)
            user_id, account_id = acc.user_id, acc.id
            staged = len(changes.ledger.staged)
            try:
                async with s.begin_nested():
                    # A gap can carry the fill past the order's SL or TP: rejected, never opened
                    # on the wrong side of its own protection.
                    check_protection(order.side, price, order.stop_loss, order.take_profit)
                    await self._fill_order(s, acc, order, spec, price, changes)
            except (FailedPrecondition, InvalidArgument) as refused:
                changes.watches.clear()
                del changes.ledger.staged[staged:]
                order.status, order.reject_reason, order.updated_at = (
                    "rejected",
                    refused.reason,
                    self._clock.now(),
                )
                await s.flush()
                await paper_events.stage_order_refused(s, user_id, account_id, order, self._clock)
                changes.watches.append(order_watch(order))
            return True

    async def expire_orders(self) -> int:
        """End DAY orders whose trading day is over."""
        now = self._clock.now()
        async with self._db.session() as s:
            query = (
                select(PaperOrder.id, PaperAccount.user_id)
                .join(PaperAccount)
                .where(PaperOrder.status == "pending", PaperOrder.expires_at <= now)
            )
            due = (await s.execute(query)).all()
        expired = 0
        for order_id, user in due:
            try:
                async with self._locked(user) as (s, acc, changes):
                    order = await s.get(PaperOrder, order_id)
                    if order is not None and order.status == "pending":
                        await self._end_order(s, acc, order, "expired", None, changes)
                        expired += 1
            except Exception:  # one account's trouble must not hold up the others
                log.exception("expiring order %s failed", order_id)
        return expired

    async def enforce_stop_out(self) -> int:
        """Close the worst position of every account whose margin level is at or below the
        stop-out level, one at a time, until it is above it. Returns the positions closed."""
        async with self._db.session() as s:
            rows = (
                await s.execute(
                    select(PaperPosition, PaperAccount)
                    .join(PaperAccount)
                    .where(PaperPosition.status == "open")
                )
            ).all()
        by_account: dict[int, tuple[PaperAccount, list[PaperPosition]]] = {}
        for position, acc in rows:
            by_account.setdefault(acc.id, (acc, []))[1].append(position)
        closed = 0
        for acc, positions in by_account.values():
            try:
                if self._below_stop_out(self._account_view(acc, positions)):
                    closed += await self._stop_out(acc.user_id)
            except Exception:  # one account's trouble must not hold up the others
                log.exception("stop-out of account %s failed", acc.id)
        return closed

    def _below_stop_out(self, view: AccountView) -> bool:
        level = view.margin_level_percent
        return level is not None and level <= self._settings.stop_out_level_percent

    async def _stop_out(self, user: str) -> int:
        closed = 0
        while True:
            async with self._locked(user) as (s, acc, changes):
                positions = await self._open_positions(s, acc)
                if not positions or not self._below_stop_out(self._account_view(acc, positions)):
                    return closed
                priced = [p for p in positions if self._quote_or_none(p.symbol) is not None]
                if not priced:
                    return closed
                worst = min(
                    priced,
                    key=lambda p: unrealized_minor(
                        p, self._quote_or_none(p.symbol), self.spec(p.symbol), self.rules
                    ),
                )
                spec = self.spec(worst.symbol)
                await self._close_at_market(s, acc, worst, spec, self._quote(spec), "stop_out", changes)
                closed += 1


async def _own(s: AsyncSession, acc: PaperAccount, model: Any, text_id: str, what: str) -> Any:
    """The account's row of `model` with that id; NOT_FOUND for another account's, as for none."""
    _well_formed(text_id, f"{what}_id")
    row = await s.get(model, _id(text_id, f"{what}_id")) if _is_id(text_id) else None
    if row is None or row.account_id != acc.id:
        raise NotFound(f"no {what} {text_id}", reason=f"{what.upper()}_NOT_FOUND")
    return row


def _well_formed(text_id: str, field_name: str) -> None:
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
