from __future__ import annotations

import asyncio

from trading.events.v1.events_envelope_pb2 import Event

from core.outbox import OutboxRelay
from svc_inference.models import OUTBOX
from svc_inference.scheduler import LOCK_KEY, SignalScheduler


def _scheduler(kit, strategy="aggressive_filter"):
    return SignalScheduler(
        kit.engine, kit.kv, kit.clock, symbols=["EURUSD"], interval_s=900, strategy=strategy
    )


async def test_two_ticks_at_once_make_a_single_run(kit, trained, bundle, register_champion) -> None:
    await register_champion(kit, trained, bundle)
    a, b = _scheduler(kit), _scheduler(kit)
    reports = await asyncio.gather(a.tick(), b.tick())
    assert sum(r is not None for r in reports) == 1
    assert await a.tick() is None  # this slot is done
    assert await kit.kv.get(LOCK_KEY) is None


async def test_a_held_lock_skips_the_run(kit, trained, bundle, register_champion) -> None:
    await register_champion(kit, trained, bundle)
    await kit.kv.set(LOCK_KEY, b"someone", ttl_s=60)
    assert await _scheduler(kit).tick() is None


async def test_missed_runs_are_caught_up_once(kit, trained, bundle, register_champion) -> None:
    await register_champion(kit, trained, bundle)
    s = _scheduler(kit)
    assert await s.tick() is not None
    kit.clock.advance(4 * 900)  # down for four slots
    assert await s.tick() is not None
    assert await s.tick() is None
    kit.clock.advance(900)
    assert await s.tick() is not None


async def test_a_scheduled_signal_is_stored_and_published_on_the_bus(
    kit, trained, bundle, register_champion
) -> None:
    await register_champion(kit, trained, bundle)
    relay = OutboxRelay(kit.engine.db, kit.bus, [OUTBOX], kit.clock)
    async with kit.bus.subscribe("signals:*") as sub:
        # the TP-first probabilities of the simulated walk are low: lower the bar so a trade fires
        from svc_inference import signals

        loose = signals.Strategy(
            "test_loose", min_margin=-1.0, min_expected_r=-1.0, require_range_agreement=False
        )
        signals.STRATEGIES[loose.name] = loose
        try:
            report = await _scheduler(kit, strategy=loose.name).tick()
        finally:
            del signals.STRATEGIES[loose.name]
        assert report is not None
        assert report.signals[0].id
        assert await relay.drain() == 1
        msg = await asyncio.wait_for(sub.__anext__(), 2)
    event = Event.FromString(msg.data)
    assert msg.channel == "signals:EURUSD"
    assert event.type == "ml_signal_new"
    assert event.ml_signal_new.signal_id == report.signals[0].id
    rows = await kit.engine.recent_signals(kit.engine.query("EURUSD"), 5)
    assert [r.id for r in rows] == [report.signals[0].id]
