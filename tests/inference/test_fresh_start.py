"""A fresh start: a name with no champion is served by its candidate, marked experimental, and a
champion registered by another process serves at the next request, not after a periodic sync."""

from __future__ import annotations

import numpy as np

from svc_inference.calibration import apply_platt
from svc_inference.registry import ArtifactStore, Registry
from tests.inference.conftest import gated


async def test_an_ungated_model_serves_marked_experimental_with_its_measured_quality(
    kit, trained, bundle
) -> None:
    elsewhere = Registry(kit.engine.db, ArtifactStore(kit.engine.registry.store.root))
    failed = gated(trained, passed=False)
    failed.metrics["gate"]["comparisons"] = {"brier_gain_vs_logistic": {"mean": -0.01, "lower": -0.02}}
    await elsewhere.register(
        symbol="EURUSD", timeframe="5m", trained=failed, bundle=bundle, now=kit.clock.now()
    )
    q = kit.engine.query("EURUSD")
    pred = await kit.engine.predict(q)
    assert pred.experimental
    assert pred.quality["gate_passed"] == 0.0
    assert pred.quality["brier_gain_vs_logistic"] == -0.01
    assert (await kit.engine.signal(q)).experimental
    assert set(pred.prob_sl_first) == set(pred.prob_tp_first)


async def test_a_champion_promoted_elsewhere_serves_at_the_next_request(kit, trained, bundle) -> None:
    elsewhere = Registry(kit.engine.db, ArtifactStore(kit.engine.registry.store.root))
    q = kit.engine.query("EURUSD")
    candidate = await elsewhere.register(
        symbol="EURUSD",
        timeframe="5m",
        trained=gated(trained, passed=False),
        bundle=bundle,
        now=kit.clock.now(),
    )
    assert (await kit.engine.predict(q)).model_version == candidate.version
    champion = await elsewhere.register(
        symbol="EURUSD", timeframe="5m", trained=gated(trained), bundle=bundle, now=kit.clock.now()
    )
    await elsewhere.promote(champion.name, champion.version, now=kit.clock.now())
    kit.clock.advance(3)  # past the lookup pause; no champion sync runs in this test
    pred = await kit.engine.predict(q)
    assert (pred.model_version, pred.experimental) == (champion.version, False)


async def test_calibration_maps_are_applied_to_served_probabilities(
    kit, trained, bundle, register_champion
) -> None:
    record = await register_champion(kit, trained, bundle)
    pred = await kit.engine.predict(kit.engine.query("EURUSD"))
    model = kit.engine.server.get(record.name)
    raw = model.run(kit.engine._features[("EURUSD", "5m")].row)[0]
    col = dict(zip(model.outputs, raw.tolist(), strict=True))

    ab = record.metrics["calibration_maps"]["tp_first_long_rr2"]
    assert pred.prob("long", 2.0) == float(
        np.float32(apply_platt(np.array([col["tp_first_long_rr2"]]), ab)[0])
    )
