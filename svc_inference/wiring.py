"""Assembles the engine from a ServiceContext: registry, warmed sessions, scheduler, outbox relay."""

from __future__ import annotations

import asyncio
import logging

from trading.inference.v1 import inference_service_pb2_grpc

from core.lease import leased
from core.outbox import OutboxRelay
from core.service import BuiltService, ServiceContext
from svc_inference.bar_source import BarSource, MarketBarSource
from svc_inference.cache import PredictionCache
from svc_inference.config import InferenceSettings
from svc_inference.engine import InferenceEngine
from svc_inference.models import OUTBOX
from svc_inference.registry import ArtifactStore, Registry
from svc_inference.scheduler import SignalScheduler
from svc_inference.scorecard import Scorecard
from svc_inference.service import InferenceServicer
from svc_inference.serving import ModelServer

log = logging.getLogger(__name__)
CHAMPION_SYNC_S = 30.0
SCORECARD_EVERY_S = 60.0


def make_engine(
    ctx: ServiceContext, settings: InferenceSettings, bars: BarSource | None = None
) -> InferenceEngine:
    server = ModelServer(
        prefer_gpu=settings.prefer_gpu,
        batch_threads=settings.onnx_intra_op_threads,
        inline_rows=settings.inline_rows,
    )
    return InferenceEngine(
        settings=settings,
        db=ctx.db,
        registry=Registry(ctx.db, ArtifactStore(ctx.settings.data_dir / "models")),
        server=server,
        bars=bars or MarketBarSource(ctx.clients, clock=ctx.clock),
        cache=PredictionCache(ctx.kv, settings.prediction_cache_ttl_s),
        clock=ctx.clock,
    )


async def build(
    ctx: ServiceContext, settings: InferenceSettings, *, bars: BarSource | None = None
) -> BuiltService:
    engine = make_engine(ctx, settings, bars)
    await engine.sync_champions()  # loaded and warmed before the first request
    scheduler = SignalScheduler(
        engine,
        ctx.kv,
        ctx.clock,
        symbols=settings.active_symbols,
        interval_s=settings.schedule_interval_s,
        lock_ttl_s=settings.scheduler_lock_ttl_s,
        strategy=settings.default_strategy,
    )
    relay = OutboxRelay(ctx.db, ctx.bus, [OUTBOX], ctx.clock)
    scorecard = Scorecard(ctx.db, engine.bars, ctx.clock)

    async def scorecard_loop() -> None:
        while True:
            try:
                await scorecard.resolve_due()
            except Exception:  # the next round retries; the loop outlives one bad round
                log.exception("scoring due signals failed")
            await ctx.clock.sleep(SCORECARD_EVERY_S)

    async def sync_loop() -> None:
        while True:
            await asyncio.sleep(CHAMPION_SYNC_S)
            try:
                await engine.sync_champions()
            except Exception:  # keeps serving the champions it has; the next round retries
                log.exception("loading new champions failed")

    async def close() -> None:
        engine.server.close()

    return BuiltService(
        servicers=[
            (
                inference_service_pb2_grpc.add_InferenceServiceServicer_to_server,
                InferenceServicer(engine, ctx.clock, scorecard),
            )
        ],
        background=[
            leased(ctx.kv, ctx.clock, "inference.scheduler", scheduler.run_forever),
            relay.run,
            sync_loop,
            scorecard_loop,
        ],
        close=close,
    )
