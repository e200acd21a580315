"""The price stream's side of the paper venue: what the monitor loads and fires (SL/TP of
positions, pending orders) and DAY expiry (the stop-out sweep is stop_out.py). Each firing
re-checks its trigger under the account lock, so closing happens once however many ticks race."""

from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy import select

from core.errors import FailedPrecondition, InvalidArgument
from svc_broker import pricing
from svc_broker.market import Quote
from svc_broker.models import PaperAccount, PaperOrder, PaperPosition
from svc_broker.rules import (
    check_protection,
)
from svc_broker.venues.paper import events as paper_events
from svc_broker.venues.paper.stop_out import PaperStopOut
from svc_broker.venues.paper.triggers import (
    Watch,
    order_trigger,
    order_watch,
    position_triggers,
    position_watch,
)

log = logging.getLogger(__name__)


class PaperMatching(PaperStopOut):
    """Triggers and expiry on top of execution and the stop-out."""

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
