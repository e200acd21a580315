"""Where the engine reads bars (and market data's instrument model, svc_inference/instruments.py):
svc_market over gRPC in production, a frame in tests and the demo."""

from __future__ import annotations

import logging
from typing import Any, Protocol

import numpy as np
import pandas as pd

from core.clock import Clock
from core.errors import NotFound, Unavailable
from quant.bars import TIMEFRAME_SECONDS
from svc_inference.instruments import UNKNOWN, Instruments

log = logging.getLogger(__name__)
INSTRUMENTS_TTL_S = 300.0


class BarSource(Protocol):
    """The newest `limit` closed bars of a symbol, oldest first (ts, open, high, low, close, volume)."""

    async def recent(self, symbol: str, timeframe: str, limit: int) -> pd.DataFrame: ...


class FrameBarSource:
    """Bars held in memory per (symbol, timeframe); `append` adds bars as they close."""

    def __init__(
        self, frames: dict[tuple[str, str], pd.DataFrame] | None = None, instruments: Instruments = UNKNOWN
    ) -> None:
        self.frames: dict[tuple[str, str], pd.DataFrame] = dict(frames or {})
        self.model = instruments

    async def instruments(self) -> Instruments:
        return self.model

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
        self._listed: tuple[float, Instruments] | None = None

    async def instruments(self) -> Instruments:
        """ListSymbols, kept for INSTRUMENTS_TTL_S; the last answer (or UNKNOWN) while it fails."""
        from trading.market.v1 import market_messages_pb2 as pb

        now = self._clock.monotonic() if self._clock is not None else 0.0
        if self._listed is not None and (self._clock is None or now - self._listed[0] < INSTRUMENTS_TTL_S):
            return self._listed[1]
        try:
            reply = await self._stub.ListSymbols(pb.ListSymbolsRequest(), timeout=self._deadline_s)
        except Exception as err:  # grpc's error or the open breaker's: serve what was read before
            log.warning("market instruments unavailable: %s", err)
            if self._listed is None:
                return UNKNOWN
            self._listed = (now, self._listed[1])  # and ask again a TTL later, not at every call
            return self._listed[1]
        self._listed = (now, Instruments.from_market(reply))
        return self._listed[1]

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
