"""The engine's signal listing (domain values) and the servicer's encoded-signal memo."""

from __future__ import annotations

from datetime import timedelta

from trading.inference.v1 import inference_messages_pb2 as pb

from svc_inference import signals
from svc_inference.service import InferenceServicer
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


async def test_the_servicer_reuses_its_encoding_until_the_decision_changes(
    kit, trained, bundle, register_champion
) -> None:
    await register_champion(kit, trained, bundle)
    servicer = InferenceServicer(kit.engine, kit.clock)

    async def create(include_range: bool) -> pb.Signal:
        request = pb.CreateSignalRequest(symbol="EURUSD", include_range=include_range)
        return (await servicer.CreateSignal(request, None)).signal

    await create(True)
    first = dict(servicer._signals._encoded)
    again = await create(True)
    assert dict(servicer._signals._encoded) == first  # the same encoded message, not a new one
    assert again.HasField("prediction")
    assert not (await create(False)).HasField("prediction")
    assert len(servicer._signals._encoded) == 2
    # a new champion: a new prediction and decision, encoded again
    record = await kit.engine.registry.register(
        symbol="EURUSD", timeframe="5m", trained=trained, bundle=bundle, now=kit.clock.now()
    )
    await kit.engine.promote(record.name, record.version, force=True)
    latest = await create(True)
    assert latest.model_version == record.version
    assert all(a is not b for a, b in zip(first.values(), servicer._signals._encoded.values(), strict=False))
