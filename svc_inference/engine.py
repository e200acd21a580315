"""The engine's data plane: predictions, signals, batches and model changes, with no gRPC types.

The servicer, the scheduler and the CLI all call this. A prediction reads the newest bars,
builds the feature row of the last bar with the training code, runs the champion's bundle and
caches the answer (seed 9.1). Until a new bar closes or the champion changes, the answer for a
model is the same, so it is kept in memory and reused: repeated calls cost a dict lookup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from core.clock import Clock
from core.db import Database
from core.errors import DomainError, FailedPrecondition, InvalidArgument, NotFound, Unavailable
from quant.bars import TIMEFRAME_SECONDS
from svc_inference.bar_source import BarSource
from svc_inference.cache import PredictionCache
from svc_inference.config import InferenceSettings
from svc_inference.features import WARMUP_BARS, amd_phases, build_features
from svc_inference.prediction import Prediction, from_outputs
from svc_inference.registry import ModelRecord, Registry, model_name
from svc_inference.serving import LoadedModel, ModelServer
from svc_inference.signal_store import recent_rows, store_signal
from svc_inference.signals import NONE, Signal, decide, strategy_named

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Query:
    """What a caller asks about, defaults filled in."""

    symbol: str
    timeframe: str
    horizon: int

    @property
    def model_name(self) -> str:
        return model_name(self.symbol, self.timeframe, self.horizon)


def _compute(model: LoadedModel, bars: pd.DataFrame) -> tuple[pd.DataFrame, int, NDArray[np.float32]]:
    feats = build_features(bars)
    out = model.run(feats.to_numpy(dtype=np.float32)[-1:])[0]
    return feats, int(amd_phases(bars)[-1]), out


class InferenceEngine:
    def __init__(
        self,
        *,
        settings: InferenceSettings,
        db: Database,
        registry: Registry,
        server: ModelServer,
        bars: BarSource,
        cache: PredictionCache,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.db = db
        self.registry = registry
        self.server = server
        self.bars = bars
        self.cache = cache
        self.clock = clock
        self._memo: dict[str, tuple[datetime, str, Prediction]] = {}

    def query(self, symbol: str, horizon: int = 0, timeframe: str = "") -> Query:
        tf = timeframe or self.settings.default_timeframe
        if tf not in TIMEFRAME_SECONDS:
            raise InvalidArgument(f"unknown timeframe {tf!r}", violations=[("timeframe", "e.g. 5m, 1h")])
        return Query(symbol.upper(), tf, horizon or self.settings.default_horizon)

    # --- predictions -------------------------------------------------------------------------

    async def predict(self, q: Query) -> Prediction:
        """A fresh prediction, or the cached last one flagged stale when the model cannot answer."""
        try:
            model = self.server.get(q.model_name)
            bars = await self.bars.recent(q.symbol, q.timeframe, self.settings.history_bars)
            return await self._predict_bars(q, model, bars)
        except (Unavailable, NotFound, FailedPrecondition) as err:
            cached = await self.cache.stale(q.model_name)
            if cached is not None:
                log.warning("serving stale prediction for %s: %s", q.model_name, err.message)
                return cached
            raise Unavailable(
                f"no prediction for {q.symbol} {q.timeframe} h{q.horizon}: {err.message}",
                reason="PREDICTION_UNAVAILABLE",
                retry_after_s=30,
            ) from err

    async def _predict_bars(self, q: Query, model: LoadedModel, bars: pd.DataFrame) -> Prediction:
        if len(bars) < WARMUP_BARS:
            raise FailedPrecondition(f"{len(bars)} bars, need {WARMUP_BARS}", reason="NOT_ENOUGH_BARS")
        bar_time = pd.Timestamp(bars["ts"].iloc[-1]).to_pydatetime()
        memo = self._memo.get(q.model_name)
        if memo is not None and memo[0] == bar_time and memo[1] == model.record.id:
            return memo[2]
        # ~2 ms of pandas/numpy on 300 bars: off the event loop
        feats, amd, out = await self.server.run_off_loop(lambda: _compute(model, bars))
        close = float(bars["close"].iloc[-1])
        pred = from_outputs(
            out,
            model.outputs,
            symbol=q.symbol,
            timeframe=q.timeframe,
            horizon=q.horizon,
            close=close,
            atr=float(feats["atr_norm"].iloc[-1]) * close,
            amd_phase=amd,
            model_name=model.record.name,
            model_version=model.record.version,
            bar_time=bar_time,
            created_at=self.clock.now(),
        )
        self._memo[q.model_name] = (bar_time, model.record.id, pred)
        await self.cache.put(pred)
        return pred

    async def predict_many(self, queries: list[Query]) -> tuple[list[Prediction], list[str]]:
        preds, failed = [], []
        for q in queries:
            try:
                preds.append(await self.predict(q))
            except DomainError:
                failed.append(q.symbol)
        return preds, failed

    async def predict_rows(
        self, name: str, X: NDArray[np.float32]
    ) -> tuple[LoadedModel, NDArray[np.float32]]:
        model = self.server.get(name)
        if X.shape[1] != len(model.record.features):
            raise InvalidArgument(
                f"rows need {len(model.record.features)} features, got {X.shape[1]}",
                violations=[("rows", "wrong number of values")],
            )
        return await self.server.predict(name, X)

    # --- signals -------------------------------------------------------------------------------

    def valid_until(self, pred: Prediction) -> datetime:
        step = TIMEFRAME_SECONDS[pred.timeframe]
        return pred.bar_time + timedelta(seconds=step * (1 + self.settings.signal_validity_bars))

    async def signal(self, q: Query, strategy: str = "") -> Signal:
        pred = await self.predict(q)
        chosen = strategy_named(strategy or self.settings.default_strategy)
        return Signal(
            decision=decide(pred, chosen, self.settings.sl_atr_multiple),
            prediction=pred,
            strategy=chosen.name,
            created_at=self.clock.now(),
            valid_until=self.valid_until(pred),
        )

    async def generate_and_store(self, q: Query, strategy: str = "") -> Signal:
        """A signal computed now; LONG and SHORT are stored and announced on signals:{symbol}."""
        signal = await self.signal(q, strategy)
        if signal.decision.direction == NONE or signal.prediction.stale:
            return signal
        return await store_signal(self.db, signal, self.clock)

    async def recent_signals(self, q: Query, limit: int) -> list:
        return await recent_rows(self.db, q.symbol, q.horizon, limit)

    # --- models --------------------------------------------------------------------------------

    async def load(self, record: ModelRecord) -> LoadedModel:
        return await self.server.swap_in(record, self.registry.store.get(record.artifact_sha256))

    async def sync_champions(self) -> list[str]:
        """Load every champion not yet served (at start, and after promotions elsewhere)."""
        changed = []
        loaded = self.server.loaded()
        for record in await self.registry.champions():
            current = loaded.get(record.name)
            if current is None or current.record.id != record.id:
                try:
                    await self.load(record)
                    changed.append(record.name)
                except Exception:
                    log.exception("could not load %s v%d", record.name, record.version)
        return changed

    async def promote(self, name: str, version: int, *, force: bool) -> ModelRecord:
        """Promote, then swap the new champion in; requests in flight finish on the old one."""
        record = await self.registry.promote(name, version, now=self.clock.now(), force=force)
        await self.load(record)
        return record

    async def model_for_metrics(self, name: str, version: int) -> ModelRecord:
        """A given version, else the champion, else the newest version."""
        if version:
            return await self.registry.get(name, version)
        record = await self.registry.champion(name) or await self.registry.latest(name)
        if record is None:
            raise NotFound(f"no model named {name}", reason="MODEL_NOT_FOUND")
        return record
