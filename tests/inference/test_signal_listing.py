"""The engine's signal listing and its encoded-signal memo (the servicer only converts)."""

from __future__ import annotations

from datetime import timedelta

from svc_inference import signals
from svc_inference.signals import Strategy


async def test_listing_leads_with_a_live_signal_only_when_no_stored_one_is_valid(
    kit, trained, bundle, register_champion
) -> None:
    await register_champion(kit, trained, bundle)
    kit.engine.settings.recent_signals_cache_s = 0  # every listing reads the database
    q = kit.engine.query("EURUSD")
    live, rows = await kit.engine.list_signals(q, 5)
    assert live is not None
    assert rows == []
    loose = Strategy("test_loose", min_margin=-1.0, min_expected_r=-1.0, require_range_agreement=False)
    signals.STRATEGIES[loose.name] = loose
    try:
        stored = await kit.engine.generate_and_store(q, loose.name)
    finally:
        del signals.STRATEGIES[loose.name]
    live, rows = await kit.engine.list_signals(q, 5)
    assert live is None
    assert [r.id for r in rows] == [stored.id]
    kit.clock.set(stored.valid_until + timedelta(seconds=1))
    live, rows = await kit.engine.list_signals(q, 5)
    assert live is not None
    assert [r.id for r in rows] == [stored.id]


async def test_the_encoding_is_reused_until_the_decision_changes(
    kit, trained, bundle, register_champion
) -> None:
    await register_champion(kit, trained, bundle)
    q = kit.engine.query("EURUSD")
    encodings = []

    def encode(sig):
        encodings.append(sig)
        return object()

    first = await kit.engine.encoded_signal(q, "", (True, False), encode)
    again = await kit.engine.encoded_signal(q, "", (True, False), encode)
    other = await kit.engine.encoded_signal(q, "", (False, False), encode)
    assert first[1] is again[1]
    assert other[1] is not first[1]
    assert len(encodings) == 2
    # a new champion: a new prediction and decision
    record = await kit.engine.registry.register(
        symbol="EURUSD", timeframe="5m", trained=trained, bundle=bundle, now=kit.clock.now()
    )
    await kit.engine.promote(record.name, record.version, force=True)
    await kit.engine.encoded_signal(q, "", (True, False), encode)
    assert len(encodings) == 3
