"""Executing on paper: booking a fill (netting, ledger, margin check, events), filling or
resting an order, ending one."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import FailedPrecondition
from quant.trading_hours import trading_day_end
from svc_broker import pricing
from svc_broker.broker import (
    OrderRequest,
)
from svc_broker.market import Quote, SymbolSpec
from svc_broker.models import PaperAccount, PaperOrder, PaperPosition
from svc_broker.venues.paper import events as paper_events
from svc_broker.venues.paper.ledger import HOUSE_PNL, Movement
from svc_broker.venues.paper.netting import Execution, Fill, book
from svc_broker.venues.paper.store import Changes, PaperStore
from svc_broker.venues.paper.triggers import (
    order_watch,
    position_watch,
)

log = logging.getLogger(__name__)


class PaperExecution(PaperStore):
    """Fills against the live bid and ask, booked in the caller's account transaction."""

    async def _execute(
        self,
        s: AsyncSession,
        account: PaperAccount,
        ex: Execution,
        changes: Changes,
        *,
        check_margin: bool,
        closing: PaperPosition | None = None,
        flush: bool = True,
    ) -> Fill:
        """Book an execution, refuse it when it adds margin the account cannot cover; its cash
        moves through the ledger and its events go out with the transaction. `closing` is the
        position a close reduces (no need to read the account's positions); `flush=False` leaves
        the trades' ids to the end of the transaction (a batch)."""
        positions = [closing] if closing is not None else await self._open_positions(s, account)
        fill = self._book(account, positions, ex, changes, check_margin=check_margin)
        s.add_all(fill.trades)
        if flush:
            await s.flush()
        changes.watches.extend(position_watch(p) for p in fill.touched)
        return fill

    def _book(
        self,
        account: PaperAccount,
        positions: list[PaperPosition],
        ex: Execution,
        changes: Changes,
        *,
        check_margin: bool,
    ) -> Fill:
        """Book an execution in memory against the account's open `positions`: netting, the
        ledger's movements, the margin check (which raises before the fill joins `changes`)."""
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
            self._check_margin(account, positions, fill, margin_before)
        changes.fills.append((account, fill))
        return fill

    def _check_margin(
        self, account: PaperAccount, positions: list[PaperPosition], fill: Fill, margin_before: int
    ) -> None:
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

    async def _close_at_market(
        self,
        s: AsyncSession,
        acc: PaperAccount,
        position: PaperPosition,
        spec: SymbolSpec,
        quote: Quote,
        reason: str,
        changes: Changes,
        quantity: Decimal | None = None,
        flush: bool = True,
    ) -> Fill:
        """Close `quantity` of a position (all of it by default) at `quote`; a take profit fills
        at its quote, every other close pays the slippage."""
        side = "sell" if position.side == "long" else "buy"
        slippage = Decimal(0) if reason == "take_profit" else self._slippage(spec)
        amount = position.quantity if quantity is None else quantity
        ex = Execution(
            spec, side, amount, pricing.fill_price(side, quote, slippage), reason, self._clock.now()
        )
        return await self._execute(s, acc, ex, changes, check_margin=False, closing=position, flush=flush)

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
        changes: Changes,
    ) -> None:
        now = self._clock.now()
        ex = Execution(
            spec, order.side, order.quantity, price, "order", now, order, order.stop_loss, order.take_profit
        )
        await self._execute(s, acc, ex, changes, check_margin=True)
        order.status, order.fill_price, order.filled_at, order.updated_at = "filled", price, now, now
        changes.watches.append(order_watch(order))

    async def _rest_order(
        self, s: AsyncSession, acc: PaperAccount, order: PaperOrder, spec: SymbolSpec, changes: Changes
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

    async def _end_order(
        self,
        s: AsyncSession,
        acc: PaperAccount,
        order: PaperOrder,
        status: str,
        reason: str | None,
        changes: Changes,
    ) -> None:
        order.status, order.reject_reason, order.updated_at = status, reason, self._clock.now()
        await s.flush()
        await paper_events.stage_order_refused(s, acc.user_id, acc.id, order, self._clock)
        changes.watches.append(order_watch(order))
