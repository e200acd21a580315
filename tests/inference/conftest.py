"""Fixtures for the ML engine: simulated bars, one small trained bundle, an engine on a real DB."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pandas as pd
import pytest

from core.bus import InProcessBus
from core.clock import TestClock
from core.kv import MemoryKeyValue
from svc_inference.bar_source import FrameBarSource
from svc_inference.cache import PredictionCache
from svc_inference.config import InferenceSettings
from svc_inference.engine import InferenceEngine
from svc_inference.export import ExportedBundle, export_bundle
from svc_inference.models import Base
from svc_inference.registry import ArtifactStore, Registry
from svc_inference.serving import ModelServer
from svc_inference.training import TrainedModels, TrainParams, train_models
from tests.market_instruments import market_instruments
from tests.simulated_bars import simulate_bars

SMALL = TrainParams(horizon=18, n_estimators=50, max_depth=4, early_stopping_rounds=10, n_jobs=1)


@pytest.fixture(scope="session")
def small_params() -> TrainParams:
    return SMALL


@pytest.fixture(scope="session")
def bars() -> pd.DataFrame:
    return simulate_bars(3000, seed=11)


@pytest.fixture(scope="session")
def trained(bars: pd.DataFrame) -> TrainedModels:
    return train_models(bars, SMALL)


@pytest.fixture(scope="session")
def bundle(trained: TrainedModels) -> ExportedBundle:
    return export_bundle(trained)


@dataclass
class EngineKit:
    engine: InferenceEngine
    source: FrameBarSource
    kv: MemoryKeyValue
    bus: InProcessBus
    clock: TestClock
    settings: InferenceSettings


@pytest.fixture
async def kit(make_database, tmp_path, bars: pd.DataFrame) -> AsyncIterator[EngineKit]:
    db = await make_database(Base.metadata)
    last = pd.Timestamp(bars["ts"].iloc[-1]).to_pydatetime()
    clock = TestClock(last + pd.Timedelta(minutes=6))
    kv = MemoryKeyValue(clock)
    source = FrameBarSource(instruments=market_instruments())
    source.put("EURUSD", "5m", bars)
    settings = InferenceSettings(active_symbols=["EURUSD"], prefer_gpu=False, history_bars=300)
    server = ModelServer(prefer_gpu=False, inline_rows=settings.inline_rows)
    engine = InferenceEngine(
        settings=settings,
        db=db,
        registry=Registry(db, ArtifactStore(tmp_path / "models")),
        server=server,
        bars=source,
        cache=PredictionCache(kv, settings.prediction_cache_ttl_s),
        clock=clock,
    )
    yield EngineKit(engine, source, kv, InProcessBus(), clock, settings)
    server.close()


@pytest.fixture
def register_champion():
    return _register_champion


def gated(trained: TrainedModels, passed: bool = True, brier_gain: float | None = None) -> TrainedModels:
    """`trained` as if its walk-forward gate had given this verdict (and, with `brier_gain`, this
    same-rows comparison with the champion): registry tests of the promotion rule use it."""
    gate: dict = {"passed": passed, "reasons": [] if passed else ["judged so by the test"]}
    if brier_gain is not None:
        gate["vs_champion"] = {"rows": 100, "brier_gain": brier_gain}
    return dataclasses.replace(trained, metrics=dict(trained.metrics, gate=gate))


async def _register_champion(kit: EngineKit, trained: TrainedModels, bundle: ExportedBundle):
    record = await kit.engine.registry.register(
        symbol="EURUSD", timeframe="5m", trained=gated(trained), bundle=bundle, now=kit.clock.now()
    )
    return await kit.engine.promote(record.name, record.version, force=False)
