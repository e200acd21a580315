"""The engine's data plane: predictions, signals, batches and model changes, with no gRPC types.

The servicer, the scheduler and the CLI all call this. A prediction reads the newest closed
bars, builds the feature row of the last bar with the training code, runs the champion's bundle
and caches the answer (seed 9.1). Until a new bar closes or the champion changes, the answer for a
model is the same, so the hot path is: the loaded model (a dict lookup), the last answer and the
time a newer bar can first exist (another lookup and a comparison). Only after that time are bars
read again (once, however many callers wait), the features of a new bar built once per symbol and
timeframe (shared by every horizon's model), and the bundle run. When the source has no newer bar
yet (it lags, or the market is closed), the bars are asked again after `new_bar_retry_s`.
Decisions are memoised per prediction and strategy, and the signals list read from the database
is kept for `recent_signals_cache_s` (dropped here whenever this engine stores a signal).

Everything here returns domain values (Prediction, Signal, StoredSignal, ModelRecord); the
servicer and `convert.py` own every protobuf message, and any caching of encoded answers.

A name with no loaded model is looked up in the registry when asked for (at most every
`model_lookup_retry_s`): its champion, else its newest candidate, served marked experimental. So a
model trained by another process serves at the first request after its registration, without
waiting for the periodic champion sync.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
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
from svc_inference.instruments import InstrumentSource, instruments_of
from svc_inference.models import STATUS_CHAMPION
from svc_inference.prediction import Prediction, from_outputs
from svc_inference.registry import ModelRecord, Registry, model_name
from svc_inference.serving import LoadedModel, ModelServer
from svc_inference.signal_store import StoredSignal, recent_rows, store_signal
from svc_inference.signals import NONE, Signal, SignalDecision, decide, strategy_named

log = logging.getLogger(__name__)
MODEL_LOOKUP_RETRY_S = 2.0


def model_quality(record: ModelRecord) -> dict[str, float]:
    """The version's measured out-of-sample quality, from its gate figures (empty: never judged)."""
    gate = record.metrics.get("gate") or {}
    if not gate:
        return {}
    out = {"gate_passed": 1.0 if gate.get("passed") else 0.0, "ece": float(gate.get("ece", 0.0))}
    for name, c in (gate.get("comparisons") or {}).items():
        out[name] = float(c["mean"])
        out[f"{name}_lower"] = float(c["lower"])
    aucs = [c["auc"] for c in (gate.get("classifiers") or {}).values()]
    if aucs:
        out["auc"] = float(np.mean(aucs))
    return out


@dataclass(frozen=True)
class EngineHealth:
    """What the engine serves: "ok" with at least one model loaded, "degraded" with none."""

    loaded_models: list[str]
    provider: str
    gpu: bool

    @property
    def status(self) -> str:
        return "ok" if self.loaded_models else "degraded"


@dataclass(frozen=True)
class Query:
    """What a caller asks about, defaults filled in."""

    symbol: str
    timeframe: str
    horizon: int

    @property
    def model_name(self) -> str:
        return model_name(self.symbol, self.timeframe, self.horizon)


@dataclass(frozen=True)
class _BarFeatures:
    """The last closed bar of a symbol and timeframe, with its feature row."""

    bar_time: datetime
    row: NDArray[np.float32]  # 1 x n_features
    close: float
    atr: float
    amd_phase: int


@dataclass(frozen=True)
class _Hot:
    """A model's current answer and the earliest time a newer bar can exist."""

    model: LoadedModel
    pred: Prediction
    refresh_at: datetime


def _bar_features(bars: pd.DataFrame, bar_time: datetime) -> _BarFeatures:
    feats = build_features(bars)
    close = float(bars["close"].iloc[-1])
    return _BarFeatures(
        bar_time=bar_time,
        row=feats.to_numpy(dtype=np.float32)[-1:],
        close=close,
        atr=float(feats["atr_norm"].iloc[-1]) * close,
        amd_phase=int(amd_phases(bars)[-1]),
    )


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
        instruments: InstrumentSource | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.registry = registry
        self.server = server
        self.bars = bars
        # market data's instrument model: read with the bars unless given apart
        self.instruments = instruments or instruments_of(bars)
        self.cache = cache
        self.clock = clock
        self._hot: dict[str, _Hot] = {}
        self._refreshing: dict[str, asyncio.Future[Prediction]] = {}
        self._features: dict[tuple[str, str], _BarFeatures] = {}
        self._decisions: dict[tuple[str, str], tuple[Prediction, SignalDecision]] = {}
        self._recent: dict[tuple[str, int, int], tuple[float, list[StoredSignal]]] = {}
        self._looked_up: dict[str, datetime] = {}
        self._promoting = asyncio.Lock()

    def query(self, symbol: str, horizon: int = 0, timeframe: str = "") -> Query:
        tf = timeframe or self.settings.default_timeframe
        if tf not in TIMEFRAME_SECONDS:
            raise InvalidArgument(f"unknown timeframe {tf!r}", violations=[("timeframe", "e.g. 5m, 1h")])
        return Query(symbol.upper(), tf, horizon or self.settings.default_horizon)

    # --- predictions -------------------------------------------------------------------------

    async def predict(self, q: Query) -> Prediction:
        """A fresh prediction, or the cached last one flagged stale when the model cannot answer."""
        try:
            model = await self._model(q.model_name)
            hot = self._hot.get(q.model_name)
            if hot is not None and hot.model is model and self.clock.now() < hot.refresh_at:
                return hot.pred
            return await self._refresh(q, model)
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

    async def _model(self, name: str) -> LoadedModel:
        """The loaded model of `name`. When none is, or the loaded one is an experimental
        candidate, the registry is asked (at most every MODEL_LOOKUP_RETRY_S per name) for its
        champion, else its newest candidate, which is loaded and served from this call on."""
        loaded = self.server.find(name)
        if loaded is not None and loaded.record.status == STATUS_CHAMPION:
            return loaded
        now = self.clock.now()
        next_lookup = self._looked_up.get(name)
        if next_lookup is not None and now < next_lookup:
            return loaded or self.server.get(name)
        self._looked_up[name] = now + timedelta(seconds=MODEL_LOOKUP_RETRY_S)
        try:
            record = await self.registry.champion(name) or await self.registry.latest(name)
        except Exception:  # the registry unreachable: keep serving what is loaded, if anything
            log.warning("model lookup for %s failed", name, exc_info=True)
            return loaded or self.server.get(name)
        if record is None:
            return self.server.get(name)  # raises Unavailable: nothing registered
        if loaded is not None and loaded.record.id == record.id:
            return loaded
        return await self.load(record)

    async def _refresh(self, q: Query, model: LoadedModel) -> Prediction:
        """One refresh per model at a time; callers arriving meanwhile wait for the same one."""
        key = q.model_name
        pending = self._refreshing.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._read_and_predict(q, model))
            self._refreshing[key] = pending

            def done(f: asyncio.Future[Prediction]) -> None:
                self._refreshing.pop(key, None)
                if not f.cancelled():
                    f.exception()  # retrieved: the waiters re-raise it

            pending.add_done_callback(done)
        return await asyncio.shield(pending)

    async def _read_and_predict(self, q: Query, model: LoadedModel) -> Prediction:
        bars = await self.bars.recent(q.symbol, q.timeframe, self.settings.history_bars)
        if len(bars) < WARMUP_BARS:
            raise FailedPrecondition(f"{len(bars)} bars, need {WARMUP_BARS}", reason="NOT_ENOUGH_BARS")
        bar_time = pd.Timestamp(bars["ts"].iloc[-1]).to_pydatetime()
        hot = self._hot.get(q.model_name)
        if hot is not None and hot.model is model and hot.pred.bar_time == bar_time:
            pred = hot.pred  # no newer bar yet
        else:
            pred = await self._predict_bar(q, model, bars, bar_time)
        now = self.clock.now()
        next_close = bar_time + timedelta(seconds=2 * TIMEFRAME_SECONDS[q.timeframe])
        # no bar can close before next_close; past it, the source lags: ask again shortly
        refresh_at = (
            next_close if next_close > now else now + timedelta(seconds=self.settings.new_bar_retry_s)
        )
        self._hot[q.model_name] = _Hot(model, pred, refresh_at)
        return pred

    async def _predict_bar(
        self, q: Query, model: LoadedModel, bars: pd.DataFrame, bar_time: datetime
    ) -> Prediction:
        key = (q.symbol, q.timeframe)
        feats = self._features.get(key)
        if feats is None or feats.bar_time != bar_time:
            # ~2 ms of pandas/numpy on 300 bars: off the event loop, once per bar and symbol
            feats = await self.server.run_off_loop(lambda: _bar_features(bars, bar_time))
            self._features[key] = feats
        record = model.record
        raw = model.run(feats.row)  # one row: tens of µs
        out = model.calibrated(raw)[0]
        pred = from_outputs(
            out,
            model.outputs,
            symbol=q.symbol,
            timeframe=q.timeframe,
            horizon=q.horizon,
            close=feats.close,
            atr=feats.atr,
            amd_phase=feats.amd_phase,
            model_name=model.record.name,
            model_version=model.record.version,
            bar_time=bar_time,
            created_at=self.clock.now(),
            experimental=record.status != STATUS_CHAMPION,
            quality=model_quality(record),
        )
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
        return await self.server.predict(name, X, calibrated=True)  # the signal path's probabilities

    # --- signals -------------------------------------------------------------------------------

    def valid_until(self, pred: Prediction) -> datetime:
        step = TIMEFRAME_SECONDS[pred.timeframe]
        return pred.bar_time + timedelta(seconds=step * (1 + self.settings.signal_validity_bars))

    async def signal(self, q: Query, strategy: str = "") -> Signal:
        pred = await self.predict(q)
        chosen = strategy_named(strategy or self.settings.default_strategy)
        key = (q.model_name, chosen.name)
        memo = self._decisions.get(key)
        if memo is None or memo[0] is not pred:
            cost = (await self.instruments.instruments()).session_spread(q.symbol, self.entry_time(pred))
            memo = (pred, decide(pred, chosen, self.settings.sl_atr_multiple, cost=cost))
            self._decisions[key] = memo
        return Signal(
            decision=memo[1],
            prediction=pred,
            strategy=chosen.name,
            created_at=self.clock.now(),
            valid_until=self.valid_until(pred),
        )

    def entry_time(self, pred: Prediction) -> datetime:
        """When a signal from `pred` is entered: the close of its bar."""
        return pred.bar_time + timedelta(seconds=TIMEFRAME_SECONDS[pred.timeframe])

    async def list_signals(self, q: Query, limit: int) -> tuple[Signal | None, list[StoredSignal]]:
        """The newest stored signals, and a signal computed now when none of them is still valid
        (None when they are, or when none can be computed but stored ones exist)."""
        rows = await self.recent_signals(q, limit)
        if rows and rows[0].valid_until > self.clock.now():
            return None, rows
        try:
            return await self.signal(q), rows
        except DomainError:
            if not rows:
                raise
            return None, rows

    async def models_page(self, page_size: int, page_token: str) -> tuple[list[ModelRecord], str]:
        """One page of registered versions (newest first) and the token of the next ('' at the end)."""
        return await self.registry.page(page_size or 50, page_token)

    async def generate_and_store(self, q: Query, strategy: str = "") -> Signal:
        """A signal computed now; LONG and SHORT are stored and announced on signals:{symbol}."""
        signal = await self.signal(q, strategy)
        if signal.decision.direction == NONE or signal.prediction.stale:
            return signal
        stored = await store_signal(self.db, signal, self.clock)
        for key in [k for k in self._recent if k[0] == q.symbol]:
            del self._recent[key]
        return stored

    async def recent_signals(self, q: Query, limit: int) -> list[StoredSignal]:
        """The newest stored signals; read from the database at most every few seconds."""
        key = (q.symbol, q.horizon, limit)
        hit = self._recent.get(key)
        now = self.clock.monotonic()
        if hit is not None and now < hit[0]:
            return hit[1]
        rows = await recent_rows(self.db, q.symbol, q.horizon, limit)
        self._recent[key] = (now + self.settings.recent_signals_cache_s, rows)
        return rows

    # --- models --------------------------------------------------------------------------------

    async def load(self, record: ModelRecord) -> LoadedModel:
        return await self.server.swap_in(record, self.registry.store.get(record.artifact_sha256))

    async def sync_champions(self) -> list[str]:
        """Load every champion not yet served (at start, and after promotions elsewhere); it
        replaces an experimental candidate served meanwhile."""
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
        """Load and warm the version, then commit the promotion, then swap it in.

        A missing, corrupt or unloadable artifact fails before the registry changes, so the
        champion in the database is always one this engine could load; requests in flight
        finish on the old model."""
        target = await self.registry.get(name, version)
        if target.status == STATUS_CHAMPION and self.is_loaded(target):
            return target
        prepared = await self.server.prepare(target, self.registry.store.get(target.artifact_sha256))
        async with self._promoting:  # the commits and the swaps of this engine in the same order
            record = await self.registry.promote(name, version, now=self.clock.now(), force=force)
            self.server.install(replace(prepared, record=record))
        return record

    def health(self) -> EngineHealth:
        server = self.server
        return EngineHealth(sorted(server.loaded()), server.provider, server.gpu)

    def is_loaded(self, record: ModelRecord) -> bool:
        """Whether `record` is the version this engine serves for its name."""
        model = self.server.loaded().get(record.name)
        return model is not None and model.record.id == record.id

    async def model_for_metrics(self, name: str, version: int) -> ModelRecord:
        """A given version, else the champion, else the newest version."""
        if version:
            return await self.registry.get(name, version)
        record = await self.registry.champion(name) or await self.registry.latest(name)
        if record is None:
            raise NotFound(f"no model named {name}", reason="MODEL_NOT_FOUND")
        return record
