"""Practice lessons: a task on the learner's paper account, done when the broker's events say so.

Education never reads the broker's tables: it listens to `trade_executed` (user:{id}:trades)
and `position_closed` (user:{id}:positions) on the bus, and each task is a pure check of one
event's payload. An event counts for the enrolments made before it happened.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from google.protobuf.message import Message
from sqlalchemy import select
from trading.events.v1 import events_payloads_pb2 as ev
from trading.events.v1.events_envelope_pb2 import Event

from core.bus import Bus
from core.clock import Clock
from core.db import Database
from svc_education import models as m
from svc_education import records
from svc_education.progress import complete_lesson, start_progress
from svc_education.views import PracticeSpec

log = logging.getLogger(__name__)
CHANNELS = ("user:*:trades", "user:*:positions")


def _on_symbol(task: PracticeSpec, symbol: str) -> bool:
    return not task.symbol or task.symbol == symbol


def opened_a_position(task: PracticeSpec, event: Message) -> bool:
    """An order filled on the paper account."""
    return (
        isinstance(event, ev.TradeExecuted)
        and event.venue == ev.TRADE_VENUE_PAPER
        and event.status in (ev.TRADE_STATUS_FILLED, ev.TRADE_STATUS_PARTIALLY_FILLED)
        and _on_symbol(task, event.symbol)
    )


def closed_in_profit(task: PracticeSpec, event: Message) -> bool:
    """A paper position closed with a realised profit."""
    return (
        isinstance(event, ev.PositionClosed)
        and event.venue == ev.TRADE_VENUE_PAPER
        and event.pnl.minor_units > 0
        and _on_symbol(task, event.symbol)
    )


def exited_at_a_bracket(task: PracticeSpec, event: Message) -> bool:
    """A paper position closed by the levels set in advance (its stop loss or take profit)."""
    return (
        isinstance(event, ev.PositionClosed)
        and event.venue == ev.TRADE_VENUE_PAPER
        and event.reason in (ev.POSITION_CLOSE_REASON_STOP_LOSS, ev.POSITION_CLOSE_REASON_TAKE_PROFIT)
        and _on_symbol(task, event.symbol)
    )


def stopped_out_as_planned(task: PracticeSpec, event: Message) -> bool:
    """A paper position closed by its stop loss: a loss the trader chose in advance."""
    return (
        isinstance(event, ev.PositionClosed)
        and event.venue == ev.TRADE_VENUE_PAPER
        and event.reason == ev.POSITION_CLOSE_REASON_STOP_LOSS
        and _on_symbol(task, event.symbol)
    )


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def limit_order_with_stop_at_1r(task: PracticeSpec, event: Message) -> bool:
    """A paper limit order filled with a stop loss on the losing side of the fill: the distance
    from the fill to the stop is the trade's 1R. A take profit, when set, is at least 1R away on
    the winning side (a target closer than the risk is not the planned trade)."""
    if not (
        isinstance(event, ev.TradeExecuted)
        and event.venue == ev.TRADE_VENUE_PAPER
        and event.status in (ev.TRADE_STATUS_FILLED, ev.TRADE_STATUS_PARTIALLY_FILLED)
        and event.order_type == ev.TRADE_ORDER_TYPE_LIMIT
        and _on_symbol(task, event.symbol)
    ):
        return False
    price, stop = _decimal(event.price), _decimal(event.stop_loss)
    if price is None or stop is None:
        return False
    direction = 1 if event.side == ev.TRADE_SIDE_BUY else -1
    one_r = (price - stop) * direction
    if one_r <= 0:
        return False
    if not event.take_profit:
        return True
    target = _decimal(event.take_profit)
    return target is not None and (target - price) * direction >= one_r


CHECKS: dict[str, Callable[[PracticeSpec, Message], bool]] = {
    "open_position": opened_a_position,
    "close_in_profit": closed_in_profit,
    "bracket_exit": exited_at_a_bracket,
    "stop_loss_exit": stopped_out_as_planned,
    "limit_with_stop_loss": limit_order_with_stop_at_1r,
}


def task_done(task: PracticeSpec, event: Message) -> bool:
    check = CHECKS.get(task.kind)
    return check is not None and check(task, event)


def subject_of(event: Event) -> tuple[str, Message, datetime] | None:
    """The user, payload and time of an event a practice task may care about; None otherwise."""
    if event.HasField("trade_executed"):
        t = event.trade_executed
        return t.user_id, t, t.executed_at.ToDatetime(tzinfo=UTC)
    if event.HasField("position_closed"):
        p = event.position_closed
        return p.user_id, p, p.closed_at.ToDatetime(tzinfo=UTC)
    return None


class PracticeWatcher:
    """Completes practice lessons from the broker's events on the bus."""

    def __init__(self, db: Database, bus: Bus, clock: Clock) -> None:
        self._db = db
        self._bus = bus
        self._clock = clock
        self.ready = asyncio.Event()  # set once subscribed: events after it are seen

    async def run(self) -> None:
        async with self._bus.subscribe(*CHANNELS) as sub:
            self.ready.set()
            async for message in sub:
                try:
                    event = Event.FromString(message.data)
                    await self.handle(event)
                except Exception:  # one bad event must not stop the watcher
                    log.exception(
                        "practice event not handled", extra={"fields": {"channel": message.channel}}
                    )

    async def handle(self, event: Event) -> list[str]:
        """Complete every practice lesson the event shows done; returns their ids."""
        return await records.retry_on_conflict(lambda: self._handle(event))

    async def _handle(self, event: Event) -> list[str]:
        subject = subject_of(event)
        if subject is None or not subject[0]:
            return []
        user_id, payload, happened_at = subject
        done: list[str] = []
        async with self._db.transaction() as s:
            rows = await s.execute(
                select(m.Lesson, m.Enrollment)
                .join(m.Enrollment, m.Enrollment.course_id == m.Lesson.course_id)
                .where(m.Enrollment.user_id == user_id, m.Lesson.kind == "practice")
            )
            for lesson, enrollment in rows.all():
                task = records.practice_of(lesson)
                if task is None or happened_at < enrollment.enrolled_at.replace(microsecond=0):
                    continue
                if not task_done(task, payload):
                    continue
                await records.lock_enrollment(s, enrollment)
                now = self._clock.now()
                row = await records.locked_progress(s, user_id, lesson.id)
                row = row or await start_progress(s, user_id, lesson, now)
                if await complete_lesson(s, row, lesson, now):
                    done.append(lesson.id)
        return done
