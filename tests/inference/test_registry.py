from __future__ import annotations

import hashlib

import pytest

from core.errors import FailedPrecondition
from tests.inference.conftest import gated


async def test_a_registered_version_is_a_candidate_with_its_artifact_named_by_sha256(
    kit, trained, bundle
) -> None:
    reg = kit.engine.registry
    record = await reg.register(
        symbol="EURUSD", timeframe="5m", trained=trained, bundle=bundle, now=kit.clock.now()
    )
    assert (record.name, record.version, record.status) == ("eurusd_5m_h18", 1, "candidate")
    path = reg.store.path(record.artifact_sha256)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == record.artifact_sha256 == bundle.sha256
    assert record.features == list(trained.feature_names)
    assert record.metrics["max_parity_diff"] < 1e-4


async def test_no_champion_is_no_free_pass_a_version_that_failed_the_gate_stays_a_candidate(
    kit, trained, bundle
) -> None:
    reg, now = kit.engine.registry, kit.clock.now()
    for judged in (trained, gated(trained, passed=False)):
        record = await reg.register(symbol="EURUSD", timeframe="5m", trained=judged, bundle=bundle, now=now)
        with pytest.raises(FailedPrecondition) as refused:
            await reg.promote(record.name, record.version, now=now)
        assert refused.value.reason == "GATE_NOT_PASSED"
        assert not await reg.promote_if_better(record.name, record.version, now=now)
    assert await reg.champion("eurusd_5m_h18") is None


async def test_promotion_needs_a_better_model_on_the_same_rows_unless_forced(kit, trained, bundle) -> None:
    reg, now = kit.engine.registry, kit.clock.now()
    v1 = await reg.register(symbol="EURUSD", timeframe="5m", trained=gated(trained), bundle=bundle, now=now)
    await reg.promote(v1.name, 1, now=now)
    v2 = await reg.register(
        symbol="EURUSD", timeframe="5m", trained=gated(trained, brier_gain=-0.01), bundle=bundle, now=now
    )
    assert v2.version == 2
    with pytest.raises(FailedPrecondition):
        await reg.promote(v2.name, 2, now=now)
    assert (await reg.champion(v1.name)).version == 1
    await reg.promote(v2.name, 2, now=now, force=True)
    assert (await reg.champion(v1.name)).version == 2
    assert (await reg.get(v1.name, 1)).status == "retired"


async def test_a_better_candidate_is_promoted_and_the_old_champion_retired(kit, trained, bundle) -> None:
    reg, now = kit.engine.registry, kit.clock.now()
    await reg.register(symbol="EURUSD", timeframe="5m", trained=gated(trained), bundle=bundle, now=now)
    assert await reg.promote_if_better("eurusd_5m_h18", 1, now=now)
    await reg.register(
        symbol="EURUSD", timeframe="5m", trained=gated(trained, brier_gain=0.002), bundle=bundle, now=now
    )
    assert await reg.promote_if_better("eurusd_5m_h18", 2, now=now)
    statuses = {r.version: r.status for r in await reg.list()}
    assert statuses == {1: "retired", 2: "champion"}


async def test_a_corrupted_artifact_is_refused(kit, trained, bundle) -> None:
    reg = kit.engine.registry
    record = await reg.register(
        symbol="EURUSD", timeframe="5m", trained=trained, bundle=bundle, now=kit.clock.now()
    )
    reg.store.path(record.artifact_sha256).write_bytes(b"not a model")
    with pytest.raises(FailedPrecondition):
        reg.store.get(record.artifact_sha256)
