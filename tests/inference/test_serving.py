from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys

import numpy as np

from svc_inference.providers import choose_providers
from svc_inference.training import predict_native


def test_the_provider_is_chosen_without_error_output() -> None:
    code = (
        "from svc_inference.providers import choose_providers;"
        "c = choose_providers(True); print(c.name, c.gpu)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    name, gpu = run.stdout.split()
    assert name in ("CPUExecutionProvider", "CUDAExecutionProvider")
    assert (gpu == "True") == (name == "CUDAExecutionProvider")
    assert run.stderr == ""


def test_cpu_is_used_when_the_gpu_is_not_wanted() -> None:
    choice = choose_providers(False)
    assert choice.providers == ("CPUExecutionProvider",)
    assert not choice.gpu


async def test_served_outputs_match_native_xgboost(kit, trained, bundle, register_champion) -> None:
    await register_champion(kit, trained, bundle)
    X = trained.X_test[:200]
    model, out = await kit.engine.server.predict("eurusd_5m_h18", X)
    for j, name in enumerate(model.outputs):
        assert np.max(np.abs(out[:, j] - predict_native(trained.models[name], X))) < 1e-4
    _, one = await kit.engine.server.predict("eurusd_5m_h18", X[:1])
    np.testing.assert_allclose(one[0], out[0], atol=1e-6)


async def test_hot_swap_under_load_drops_no_request(kit, trained, bundle, register_champion) -> None:
    v1 = await register_champion(kit, trained, bundle)
    reg = kit.engine.registry
    better = dataclasses.replace(trained, metrics=dict(trained.metrics, auc=trained.metrics["auc"] + 0.01))
    await reg.register(symbol="EURUSD", timeframe="5m", trained=better, bundle=bundle, now=kit.clock.now())
    X = trained.X_test[:64]
    seen: list[int] = []
    stop = asyncio.Event()

    async def caller() -> None:
        while not stop.is_set():
            model, out = await kit.engine.server.predict(v1.name, X)
            assert out.shape == (64, 10)
            seen.append(model.record.version)
            await asyncio.sleep(0)

    callers = [asyncio.create_task(caller()) for _ in range(8)]
    await asyncio.sleep(0.05)
    await kit.engine.promote(v1.name, 2, force=True)
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*callers)  # any failed request raises here
    assert seen[0] == 1
    assert seen[-1] == 2
    assert kit.engine.server.get(v1.name).record.version == 2
