from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from trading.events.v1.events_envelope_pb2 import Event

from core.outbox import OutboxRelay
from svc_inference.models import OUTBOX
from svc_inference.scheduler import LOCK_KEY, SignalScheduler
from svc_inference.signal_store import signal_event


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
    assert not event.ml_signal_new.experimental  # a champion's signal: agents may trade it
    sig = report.signals[0]
    ungated = replace(sig, prediction=replace(sig.prediction, experimental=True))
    assert signal_event(ungated).experimental  # what the agents read to refuse it
    rows = await kit.engine.recent_signals(kit.engine.query("EURUSD"), 5)
    assert [r.id for r in rows] == [report.signals[0].id]


def _loose_strategy():
    """The TP-first probabilities of the simulated walk are low: a strategy that trades anyway."""
    from svc_inference import signals

    loose = signals.Strategy(
        "test_loose", min_margin=-1.0, min_expected_r=-1.0, require_range_agreement=False
    )
    signals.STRATEGIES[loose.name] = loose
    return loose


async def _champion_for(kit, trained, bundle, symbol: str) -> None:
    record = await kit.engine.registry.register(
        symbol=symbol, timeframe="5m", trained=trained, bundle=bundle, now=kit.clock.now()
    )
    await kit.engine.promote(record.name, record.version, force=True)


async def _stored(kit, symbol: str) -> list:
    from sqlalchemy import select

    from svc_inference.models import EntrySignalRow

    async with kit.engine.db.session() as s:
        return list(await s.scalars(select(EntrySignalRow.id).where(EntrySignalRow.symbol == symbol)))


async def _staged_events(kit) -> int:
    from sqlalchemy import func, select

    async with kit.engine.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(OUTBOX)))


async def test_a_symbol_failing_with_any_error_does_not_make_the_slot_run_again(
    kit, trained, bundle, bars
) -> None:
    from svc_inference import signals

    for symbol in ("EURUSD", "GBPUSD"):
        await _champion_for(kit, trained, bundle, symbol)
    # GBPUSD's bars lack a column: the feature build fails with a KeyError, not a DomainError
    kit.source.put("GBPUSD", "5m", bars.drop(columns=["volume"]))
    loose = _loose_strategy()
    try:
        s = SignalScheduler(
            kit.engine, kit.kv, kit.clock, symbols=["GBPUSD", "EURUSD"], interval_s=900, strategy=loose.name
        )
        report = await s.tick()
        assert report is not None
        assert report.failed == ["GBPUSD"]
        assert [sig.prediction.symbol for sig in report.signals] == ["EURUSD"]
        # run_forever ticks again within the slot: nothing runs a second time
        assert await s.tick() is None
        assert await s.tick() is None
    finally:
        del signals.STRATEGIES[loose.name]
    assert await s.last_slot() == s.current_slot()
    assert len(await _stored(kit, "EURUSD")) == 1
    assert await _staged_events(kit) == 1
    assert await kit.kv.get(LOCK_KEY) is None


async def test_a_run_cut_short_and_retried_in_its_slot_skips_the_symbols_it_stored(
    kit, trained, bundle, bars
) -> None:
    from svc_inference import signals

    for symbol in ("EURUSD", "GBPUSD"):
        await _champion_for(kit, trained, bundle, symbol)
    kit.source.put("GBPUSD", "5m", bars)
    loose = _loose_strategy()
    try:
        s = SignalScheduler(
            kit.engine, kit.kv, kit.clock, symbols=["EURUSD", "GBPUSD"], interval_s=900, strategy=loose.name
        )
        hang = _HangingBars(kit, "GBPUSD")
        kit.engine.bars = hang
        run = asyncio.ensure_future(s.tick())
        await asyncio.wait_for(hang.reached.wait(), 5)
        run.cancel()  # the process going down while GBPUSD's bars are read
        with pytest.raises(asyncio.CancelledError):
            await run
        assert await s.last_slot() < s.current_slot()
        assert await kit.kv.get(LOCK_KEY) is None
        hang.release.set()  # the read the engine shares between callers completes
        report = await asyncio.wait_for(s.tick(), 30)
    finally:
        del signals.STRATEGIES[loose.name]
    assert report is not None
    assert [sig.prediction.symbol for sig in report.signals] == ["GBPUSD"]
    assert len(await _stored(kit, "EURUSD")) == 1
    assert len(await _stored(kit, "GBPUSD")) == 1


class _HangingBars:
    """Bars that never arrive for one symbol (a market call stuck until the run is cancelled)."""

    def __init__(self, kit, symbol: str) -> None:
        self.kit, self.symbol = kit, symbol
        self.reached, self.release = asyncio.Event(), asyncio.Event()

    async def recent(self, symbol: str, timeframe: str, limit: int):
        if symbol == self.symbol:
            self.reached.set()
            await self.release.wait()
        return await self.kit.source.recent(symbol, timeframe, limit)


class _SlowBars:
    """Bars that take 400 s (of the test clock) to arrive, noting who holds the lock meanwhile."""

    def __init__(self, kit) -> None:
        self.kit = kit
        self.holders: list[bytes | None] = []

    async def recent(self, symbol: str, timeframe: str, limit: int):
        self.kit.clock.advance(400)
        self.holders.append(await self.kit.kv.get(LOCK_KEY))
        return await self.kit.source.recent(symbol, timeframe, limit)


async def test_a_long_run_renews_its_lock_so_no_other_run_overlaps(kit, trained, bundle, bars) -> None:
    symbols = ["EURUSD", "GBPUSD", "USDJPY"]
    for symbol in symbols:
        await _champion_for(kit, trained, bundle, symbol)
        kit.source.put(symbol, "5m", bars)
    slow = _SlowBars(kit)
    kit.engine.bars = slow
    s = SignalScheduler(kit.engine, kit.kv, kit.clock, symbols=symbols, interval_s=900, lock_ttl_s=600)
    report = await s.tick()
    assert report is not None
    assert report.failed == []
    # three symbols of 400 s each outlast the 600 s TTL: the lock was held all along
    assert len(slow.holders) == 3
    assert None not in slow.holders
    assert len(set(slow.holders)) == 1
    assert await kit.kv.get(LOCK_KEY) is None


async def test_a_run_that_lost_its_lock_stops_and_leaves_the_other_runs_lock_alone(
    kit, trained, bundle, bars
) -> None:
    symbols = ["EURUSD", "GBPUSD"]
    for symbol in symbols:
        await _champion_for(kit, trained, bundle, symbol)
        kit.source.put(symbol, "5m", bars)

    class TakenOver(_SlowBars):
        async def recent(self, symbol, timeframe, limit):
            # past the TTL (no renewal can help: it happens inside one symbol), another run locks
            self.kit.clock.advance(700)
            assert await self.kit.kv.set_nx(LOCK_KEY, b"other", 600)
            return await self.kit.source.recent(symbol, timeframe, limit)

    kit.engine.bars = TakenOver(kit)
    s = SignalScheduler(kit.engine, kit.kv, kit.clock, symbols=symbols, interval_s=900, lock_ttl_s=600)
    report = await s.tick()
    assert report is not None
    assert report.lock_lost
    assert len(report.signals) == 1  # GBPUSD was not started
    assert await kit.kv.get(LOCK_KEY) == b"other"
    assert await s.last_slot() == -1


async def test_the_first_scheduled_signal_follows_the_first_training(kit, trained, bundle) -> None:
    """A fresh start: the slot's run finds no model; once one is registered (by another process,
    here another Registry on the same database), the waiting symbol runs in the same slot."""
    from svc_inference.registry import ArtifactStore, Registry
    from tests.inference.conftest import gated

    loose = _loose_strategy()
    try:
        s = _scheduler(kit, strategy=loose.name)
        first = await s.tick()
        assert first is not None
        assert first.waiting == ["EURUSD"]
        assert await s.retry_waiting() is not None  # still no model: it keeps waiting
        assert s.waiting == {"EURUSD"}
        elsewhere = Registry(kit.engine.db, ArtifactStore(kit.engine.registry.store.root))
        record = await elsewhere.register(
            symbol="EURUSD", timeframe="5m", trained=gated(trained), bundle=bundle, now=kit.clock.now()
        )
        await elsewhere.promote(record.name, record.version, now=kit.clock.now())
        kit.clock.advance(3)  # past the model lookup's retry pause
        report = await s.retry_waiting()
    finally:
        from svc_inference import signals

        del signals.STRATEGIES[loose.name]
    assert report is not None
    assert [sig.prediction.model_version for sig in report.signals] == [record.version]
    assert not report.signals[0].prediction.experimental
    assert s.waiting == set()
    assert len(await _stored(kit, "EURUSD")) == 1


async def test_without_active_symbols_it_runs_every_symbol_the_market_lists(
    kit, trained, bundle, register_champion
) -> None:
    await register_champion(kit, trained, bundle)  # a model for EURUSD only
    listed = (await kit.engine.instruments.instruments()).symbols
    scheduler = SignalScheduler(kit.engine, kit.kv, kit.clock, symbols=None, strategy="aggressive_filter")
    report = await scheduler.tick()
    assert report is not None
    assert [s.prediction.symbol for s in report.signals] == ["EURUSD"]
    assert sorted(report.failed) == sorted(set(listed) - {"EURUSD"})
    assert len(listed) > 1
