"""PaperBroker: the Broker interface (svc_broker/broker.py) filled on paper, against the live
bid and ask, kept in the database."""

from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError, FailedPrecondition, InvalidArgument, NotFound
from svc_broker import pricing
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
from svc_broker.models import PaperAccount, PaperOrder, PaperPosition, PaperTrade
from svc_broker.rules import (
    check_close_quantity,
    check_order_request,
    check_positive,
    check_protection,
    check_stop_price,
)
from svc_broker.values import OrderType, Symbol
from svc_broker.venues.paper.batch import NewOrder, PaperBatching, unknown_outcome
from svc_broker.venues.paper.ledger import HOUSE_FUNDING, Movement
from svc_broker.venues.paper.matching import PaperMatching
from svc_broker.venues.paper.store import Changes, well_formed
from svc_broker.venues.paper.triggers import (
    Watch,
    order_trigger,
    order_watch,
    position_watch,
)
from svc_broker.venues.paper.valuation import (
    execution_report,
    order_view,
)

log = logging.getLogger(__name__)


class PaperBroker(PaperMatching, PaperBatching):
    """Orders, positions and the account of each user, on paper."""

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
        order = NewOrder(account, request, spec, quantity)
        if request.type == OrderType.MARKET:  # the busy path: booked in groups
            return await self._place_market(order)
        return await self._place_alone(order)

    async def _place_alone(self, new: NewOrder) -> OrderView:
        """One order in its own transaction. A failure at its commit answers "outcome unknown",
        as a group's does: the commit may have gone through, so the order is never placed again."""
        committing = False
        try:
            async with self._locked(new.user_id) as (s, acc, changes):
                view = await self._book_alone(s, acc, changes, new)
                committing = True
        except Exception as failed:
            if committing and not isinstance(failed, DomainError):
                log.warning("an order failed at commit", exc_info=True)
                raise unknown_outcome() from failed
            raise
        return view

    async def _book_alone(
        self, s: AsyncSession, acc: PaperAccount, changes: Changes, new: NewOrder
    ) -> OrderView:
        request, spec = new.request, new.spec
        if request.client_order_id:  # made by a concurrent call since the look-up above
            existing = await self._by_client_order_id(s, acc, request.client_order_id)
            if existing is not None:
                return self._order_view(existing)
        self._check_open(spec)
        quote = self._quote(spec)
        order = self._new_order(acc, request, spec, new.quantity)
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

    async def get_order(self, account: str, order_id: str) -> OrderView:
        well_formed(order_id, "order_id")
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

    async def positions(
        self, account: str, *, status: str = "open", page_size: int = 0, page_token: str = ""
    ) -> Page[PositionView]:
        query = select(PaperPosition).where(PaperPosition.status == (status or "open"))
        rows, token = await self._page(account, PaperPosition, query, page_size, page_token)
        return Page([self._position_view(p) for p in rows], token)

    async def get_position(self, account: str, position_id: str) -> PositionView:
        well_formed(position_id, "position_id")
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
