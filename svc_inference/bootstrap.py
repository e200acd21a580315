"""First start of the embedded run: a model for each active symbol (by default every symbol market
data lists) that has none and enough bars.

The model is promoted only if it passes the gate; otherwise it serves marked experimental. A name
with any registered version is left alone, so a model that failed the gate is not retrained at
every start.
"""

from __future__ import annotations

import logging

from core.errors import DomainError
from core.service import ServiceContext
from svc_inference.bar_source import MarketBarSource
from svc_inference.commands import train_command
from svc_inference.config import InferenceSettings
from svc_inference.registry import ArtifactStore, Registry, model_name

log = logging.getLogger(__name__)
BASE_TIMEFRAME = "5m"
TRAINING_BARS = 5000  # the most GetCandles returns in one call
MIN_BARS = 2000


async def bootstrap(ctx: ServiceContext, settings: InferenceSettings) -> None:
    registry = Registry(ctx.db, ArtifactStore(ctx.settings.data_dir / "models"))
    bars_from_market = MarketBarSource(ctx.clients, deadline_s=30.0)
    symbols = settings.active_symbols
    if symbols is None:
        symbols = list((await bars_from_market.instruments()).symbols)
    for symbol in symbols:
        name = model_name(symbol, BASE_TIMEFRAME, settings.default_horizon)
        if await registry.latest(name) is not None:
            continue
        try:
            bars = await bars_from_market.recent(symbol, BASE_TIMEFRAME, TRAINING_BARS)
        except DomainError as err:  # a listed symbol with no bars stored yet
            log.warning("no bars to train %s: %s", name, err.message)
            continue
        if len(bars) < MIN_BARS:
            log.warning("not enough bars to train %s (%d)", name, len(bars))
            continue
        outcome = await train_command(
            symbol=symbol,
            bars=bars,
            db=ctx.db,
            data_dir=ctx.settings.data_dir,
            timeframe=BASE_TIMEFRAME,
            horizon=settings.default_horizon,
            now=ctx.clock.now(),
        )
        log.info(
            "trained first model",
            extra={
                "fields": {"model": name, "version": outcome.record.version, "promoted": outcome.promoted}
            },
        )
