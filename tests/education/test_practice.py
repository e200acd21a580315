"""Practice tasks: pure checks of the broker's event payloads, and the watcher that completes
practice lessons from the events on the bus (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest
from trading.common.v1.money_pb2 import Money
from trading.events.v1 import events_payloads_pb2 as ev

from core.clock import TestClock
from svc_education.practice import CHECKS, PracticeWatcher, task_done
from svc_education.views import PracticeSpec
from tests.education.conftest import ANA, BEN, CANDLES, RISK, Kit, closed_position, filled_order

ANY = PracticeSpec("open_position")


def fill(**fields) -> ev.TradeExecuted:
    base = {
        "user_id": "u",
        "symbol": "EURUSD",
        "status": ev.TRADE_STATUS_FILLED,
        "venue": ev.TRADE_VENUE_PAPER,
        "side": ev.TRADE_SIDE_BUY,
    }
    return ev.TradeExecuted(**{**base, **fields})


def close(pnl: int, reason: int = ev.POSITION_CLOSE_REASON_MANUAL, **fields) -> ev.PositionClosed:
    base = {"user_id": "u", "symbol": "EURUSD", "venue": ev.TRADE_VENUE_PAPER, "reason": reason}
    return ev.PositionClosed(pnl=Money(currency="USD", minor_units=pnl), **{**base, **fields})


def limit(**fields) -> ev.TradeExecuted:
    """A buy limit filled at 1.0850 (a sell with side=...), stop loss and take profit as given."""
    return fill(**{"order_type": ev.TRADE_ORDER_TYPE_LIMIT, "price": "1.0850", **fields})


CASES = [
    # (task, symbol, payload, done)
    ("open_position", "", fill(), True),
    ("open_position", "", fill(status=ev.TRADE_STATUS_PARTIALLY_FILLED), True),
    ("open_position", "", fill(status=ev.TRADE_STATUS_REJECTED), False),
    ("open_position", "", fill(status=ev.TRADE_STATUS_CANCELED), False),
    ("open_position", "", fill(venue=ev.TRADE_VENUE_BROKER), False),
    ("open_position", "BTCUSD", fill(), False),
    ("open_position", "EURUSD", fill(), True),
    ("open_position", "", close(500), False),
    ("close_in_profit", "", close(1), True),
    ("close_in_profit", "", close(0), False),
    ("close_in_profit", "", close(-250, ev.POSITION_CLOSE_REASON_STOP_LOSS), False),
    ("close_in_profit", "", close(900, venue=ev.TRADE_VENUE_BROKER), False),
    ("close_in_profit", "", fill(), False),
    ("bracket_exit", "", close(-100, ev.POSITION_CLOSE_REASON_STOP_LOSS), True),
    ("bracket_exit", "", close(200, ev.POSITION_CLOSE_REASON_TAKE_PROFIT), True),
    ("bracket_exit", "", close(200, ev.POSITION_CLOSE_REASON_MANUAL), False),
    ("bracket_exit", "", close(-900, ev.POSITION_CLOSE_REASON_MARGIN_CALL), False),
    ("stop_loss_exit", "", close(-100, ev.POSITION_CLOSE_REASON_STOP_LOSS), True),
    ("stop_loss_exit", "", close(200, ev.POSITION_CLOSE_REASON_TAKE_PROFIT), False),
    ("stop_loss_exit", "GBPUSD", close(-100, ev.POSITION_CLOSE_REASON_STOP_LOSS), False),
    ("limit_with_stop_loss", "", limit(stop_loss="1.0800"), True),
    ("limit_with_stop_loss", "", limit(stop_loss="1.0800", take_profit="1.0950"), True),  # 1R, 2R
    ("limit_with_stop_loss", "", limit(stop_loss="1.0800", take_profit="1.0900"), True),  # exactly 1R
    ("limit_with_stop_loss", "", limit(stop_loss="1.0800", take_profit="1.0880"), False),  # under 1R
    ("limit_with_stop_loss", "", limit(), False),  # no stop loss
    ("limit_with_stop_loss", "", limit(stop_loss="1.0900"), False),  # a buy's stop above the entry
    ("limit_with_stop_loss", "", limit(stop_loss="1.0850"), False),  # no distance: no 1R
    ("limit_with_stop_loss", "", limit(stop_loss="1.0900", side=ev.TRADE_SIDE_SELL), True),
    ("limit_with_stop_loss", "", limit(stop_loss="1.0800", side=ev.TRADE_SIDE_SELL), False),
    ("limit_with_stop_loss", "", limit(stop_loss="x"), False),
    ("limit_with_stop_loss", "", limit(stop_loss="1.0800", order_type=ev.TRADE_ORDER_TYPE_MARKET), False),
    ("limit_with_stop_loss", "", limit(stop_loss="1.0800", status=ev.TRADE_STATUS_CANCELED), False),
    ("limit_with_stop_loss", "BTCUSD", limit(stop_loss="1.0800"), False),
    ("limit_with_stop_loss", "", fill(stop_loss="1.0800"), False),  # an order type the event did not say
]


@pytest.mark.parametrize(("kind", "symbol", "payload", "done"), CASES)
def test_a_task_is_done_only_by_the_event_that_shows_it(kind: str, symbol: str, payload, done: bool) -> None:
    assert task_done(PracticeSpec(kind, symbol), payload) is done


def test_every_task_kind_has_a_case_that_completes_it_and_one_that_does_not() -> None:
    for kind in CHECKS:
        assert {done for k, _, _, done in CASES if k == kind} == {True, False}, kind
    assert not task_done(PracticeSpec("no-such-task"), fill())


async def enrolled_practice_lessons(kit: Kit, slug: str) -> list[str]:
    outline = await kit.edu.catalogue.get_course(ANA, slug)
    await kit.edu.enrolment.enroll(ANA, outline.course.course.id)
    return [x.lesson.id for mod in outline.modules for x in mod.lessons if x.lesson.kind == "practice"]


async def completed(kit: Kit, lesson_id: str) -> bool:
    progress = (await kit.edu.catalogue.get_lesson(ANA, lesson_id)).progress
    return progress is not None and progress.completed


async def test_events_on_the_bus_complete_the_learners_practice_lessons(seeded: Kit) -> None:
    [open_task] = await enrolled_practice_lessons(seeded, CANDLES)
    limit_task, profit_task, stop_task = await enrolled_practice_lessons(seeded, RISK)
    seeded.clock.advance(2)
    watcher = PracticeWatcher(seeded.db, seeded.ctx.bus, seeded.clock)
    running = asyncio.create_task(watcher.run())
    try:
        await asyncio.wait_for(watcher.ready.wait(), 10)
        bus = seeded.ctx.bus
        for event in (
            filled_order(BEN.user_id, seeded.clock),  # someone else's trade
            closed_position(ANA.user_id, seeded.clock, pnl_minor=-120),  # a loss closed by hand
            filled_order(ANA.user_id, seeded.clock),  # a market order: not the limit task
            closed_position(ANA.user_id, seeded.clock, pnl_minor=350),
            filled_order(ANA.user_id, seeded.clock, order_type=ev.TRADE_ORDER_TYPE_LIMIT, stop_loss="1.08"),
        ):
            await bus.publish(event.channel, event.SerializeToString())
        await bus.publish("user:ana:trades", b"not an event")  # ignored, the watcher goes on
        last = closed_position(
            ANA.user_id, seeded.clock, pnl_minor=-100, reason=ev.POSITION_CLOSE_REASON_STOP_LOSS
        )
        await bus.publish(last.channel, last.SerializeToString())
        for _ in range(500):
            if await completed(seeded, stop_task):
                break
            await asyncio.sleep(0.01)
    finally:
        running.cancel()
    assert await completed(seeded, open_task)
    assert await completed(seeded, limit_task)
    assert await completed(seeded, profit_task)
    assert await completed(seeded, stop_task)


async def test_a_trade_made_before_enrolling_does_not_count(seeded: Kit) -> None:
    early = filled_order(ANA.user_id, TestClock(seeded.clock.now()))
    seeded.clock.advance(3600)
    [open_task] = await enrolled_practice_lessons(seeded, CANDLES)
    watcher = PracticeWatcher(seeded.db, seeded.ctx.bus, seeded.clock)
    assert await watcher.handle(early) == []
    assert not await completed(seeded, open_task)
    assert await watcher.handle(filled_order(ANA.user_id, seeded.clock)) == [open_task]
    assert await watcher.handle(filled_order(ANA.user_id, seeded.clock)) == []  # done once
