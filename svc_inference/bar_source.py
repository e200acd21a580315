"""Where the engine reads bars: svc_market over gRPC in production, a frame in tests and the demo."""

from __future__ import annotations

import time
from typing import Any, Protocol

import numpy as np
import pandas as pd

from core.clock import Clock
from core.errors import NotFound, Unavailable
from quant.bars import TIMEFRAME_SECONDS


class BarSource(Protocol):
    """The newest `limit` closed bars of a symbol, oldest first (ts, open, high, low, close, volume)."""

    async def recent(self, symbol: str, timeframe: str, limit: int) -> pd.DataFrame: ...


class FrameBarSource:
    """Bars held in memory per (symbol, timeframe); `append` adds bars as they close."""

    def __init__(self, frames: dict[tuple[str, str], pd.DataFrame] | None = None) -> None:
        self.frames: dict[tuple[str, str], pd.DataFrame] = dict(frames or {})

    def put(self, symbol: str, timeframe: str, bars: pd.DataFrame) -> None:
        self.frames[(symbol.upper(), timeframe)] = bars.reset_index(drop=True)

    async def recent(self, symbol: str, timeframe: str, limit: int) -> pd.DataFrame:
        bars = self.frames.get((symbol.upper(), timeframe))
        if bars is None:
            raise NotFound(f"no {timeframe} bars for {symbol}", reason="NO_BARS")
        return bars.iloc[-limit:].reset_index(drop=True)


class MarketBarSource:
    """Bars from svc_market's GetCandles through the chassis' guarded client (deadline, breaker).

    svc_market includes the bar still forming; given a clock, that bar is dropped so predictions
    only ever see closed bars (the engine reads again when the next one has closed).
    """

    def __init__(self, clients: Any, *, deadline_s: float = 2.0, clock: Clock | None = None) -> None:
        from trading.market.v1 import market_service_pb2_grpc

        self._stub = clients.stub(market_service_pb2_grpc.MarketServiceStub, "market")
        self._deadline_s = deadline_s
        self._clock = clock

    async def recent(self, symbol: str, timeframe: str, limit: int) -> pd.DataFrame:
        import grpc
        from trading.market.v1 import market_messages_pb2 as pb

        ask = limit + 1 if self._clock is not None else limit
        try:
            resp = await self._stub.GetCandles(
                pb.GetCandlesRequest(symbol=symbol.upper(), tf=timeframe, limit=ask),
                timeout=self._deadline_s,
            )
        except grpc.aio.AioRpcError as err:
            raise Unavailable(
                f"market data unavailable: {err.code().name}", reason="MARKET_UNAVAILABLE"
            ) from err
        except Exception as err:  # the open breaker raises its own error
            raise Unavailable(f"market data unavailable: {err}", reason="MARKET_UNAVAILABLE") from err
        candles = list(resp.candles)
        if self._clock is not None and candles:
            closes_at = candles[-1].time.seconds + TIMEFRAME_SECONDS.get(timeframe, 0)
            if closes_at > self._clock.now().timestamp():
                candles.pop()
            candles = candles[-limit:]
        return pd.DataFrame(
            {
                "ts": pd.to_datetime([c.time.seconds for c in candles], unit="s", utc=True),
                "open": np.fromiter((c.open for c in candles), np.float64, len(candles)),
                "high": np.fromiter((c.high for c in candles), np.float64, len(candles)),
                "low": np.fromiter((c.low for c in candles), np.float64, len(candles)),
                "close": np.fromiter((c.close for c in candles), np.float64, len(candles)),
                "volume": np.fromiter((c.volume for c in candles), np.float64, len(candles)),
            }
        )


class CachedBarSource:
    """Keeps each symbol's last answer for `ttl_s` (for callers without the engine's own
    new-bar timing, which reads bars only when a newer one can exist)."""

    def __init__(self, inner: BarSource, ttl_s: float = 5.0) -> None:
        self.inner = inner
        self.ttl_s = ttl_s
        self._cache: dict[tuple[str, str, int], tuple[float, pd.DataFrame]] = {}

    async def recent(self, symbol: str, timeframe: str, limit: int) -> pd.DataFrame:
        key = (symbol.upper(), timeframe, limit)
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        bars = await self.inner.recent(symbol, timeframe, limit)
        self._cache[key] = (now, bars)
        return bars
