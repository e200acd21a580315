"""OHLCV bar arrays and resampling of base bars to coarser timeframes.

Timestamps are int64 seconds since the Unix epoch (UTC), each the bar's open time. A coarse bar
covers ``[start, start + timeframe)`` where ``start = anchor + k * timeframe``; the default anchor
0 puts daily bars at 00:00 UTC and 4-hour bars at 00/04/08/... UTC. Buckets with no base bar are
not produced: gaps stay gaps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

TIMEFRAME_SECONDS: dict[str, int] = {
    "1m": 60,
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "4h": 14400,
    "1d": 86400,
}


@dataclass(frozen=True)
class Bars:
    """Columns of OHLCV bars, sorted by ``ts`` ascending with unique timestamps."""

    ts: NDArray[np.int64]
    open: NDArray[np.float64]
    high: NDArray[np.float64]
    low: NDArray[np.float64]
    close: NDArray[np.float64]
    volume: NDArray[np.float64]

    @classmethod
    def from_columns(
        cls,
        ts: ArrayLike,
        open_: ArrayLike,
        high: ArrayLike,
        low: ArrayLike,
        close: ArrayLike,
        volume: ArrayLike,
    ) -> Bars:
        bars = cls(
            ts=np.asarray(ts, dtype=np.int64),
            open=np.asarray(open_, dtype=np.float64),
            high=np.asarray(high, dtype=np.float64),
            low=np.asarray(low, dtype=np.float64),
            close=np.asarray(close, dtype=np.float64),
            volume=np.asarray(volume, dtype=np.float64),
        )
        bars.check_shape()
        return bars

    @classmethod
    def empty(cls) -> Bars:
        return cls.from_columns([], [], [], [], [], [])

    def __len__(self) -> int:
        return int(self.ts.size)

    def rows(self) -> Iterator[tuple[int, float, float, float, float, float]]:
        """(ts, open, high, low, close, volume) per bar, as plain Python numbers."""
        return zip(
            self.ts.tolist(),
            self.open.tolist(),
            self.high.tolist(),
            self.low.tolist(),
            self.close.tolist(),
            self.volume.tolist(),
            strict=True,
        )

    def check_shape(self) -> None:
        sizes = {a.size for a in (self.ts, self.open, self.high, self.low, self.close, self.volume)}
        if len(sizes) != 1:
            raise ValueError("bar columns differ in length")
        if self.ts.size > 1 and not bool(np.all(np.diff(self.ts) > 0)):
            raise ValueError("bar timestamps must be strictly increasing")

    def slice(self, start: int, stop: int) -> Bars:
        return Bars(
            self.ts[start:stop],
            self.open[start:stop],
            self.high[start:stop],
            self.low[start:stop],
            self.close[start:stop],
            self.volume[start:stop],
        )


def timeframe_seconds(timeframe: str) -> int:
    """Seconds in a timeframe code such as ``"5m"``, ``"4h"``, ``"1d"``."""
    try:
        return TIMEFRAME_SECONDS[timeframe]
    except KeyError:
        raise ValueError(f"unknown timeframe {timeframe!r}") from None


def bucket_start(ts: ArrayLike, seconds: int, anchor: int = 0) -> NDArray[np.int64]:
    """The open time of the ``seconds``-long bucket each timestamp falls in."""
    t = np.asarray(ts, dtype=np.int64)
    return ((t - anchor) // seconds) * seconds + anchor


def resample(bars: Bars, seconds: int, anchor: int = 0) -> Bars:
    """Aggregate bars into ``seconds``-long buckets aligned on ``anchor`` (seconds past epoch).

    open is the first open, close the last close, high the max, low the min, volume the sum. The
    input must be sorted (``Bars`` guarantees it); empty buckets are not emitted.
    """
    if seconds <= 0:
        raise ValueError("timeframe must be positive")
    if len(bars) == 0:
        return Bars.empty()
    buckets = bucket_start(bars.ts, seconds, anchor)
    starts = np.flatnonzero(np.concatenate(([True], buckets[1:] != buckets[:-1])))
    ends = np.concatenate((starts[1:], [buckets.size])) - 1
    return Bars(
        ts=buckets[starts],
        open=bars.open[starts],
        high=np.maximum.reduceat(bars.high, starts),
        low=np.minimum.reduceat(bars.low, starts),
        close=bars.close[ends],
        volume=np.add.reduceat(bars.volume, starts),
    )


def daily_anchor(hour_utc: int = 0, minute: int = 0) -> int:
    """The anchor that starts daily bars at ``hour_utc:minute`` UTC (e.g. 22:00 for FX)."""
    if not (0 <= hour_utc < 24 and 0 <= minute < 60):
        raise ValueError("daily anchor must be a time of day")
    return hour_utc * 3600 + minute * 60


def anchor_for(seconds: int, daily_anchor_seconds: int) -> int:
    """Anchor to use for a timeframe: the daily anchor for daily bars, epoch for intraday ones."""
    return daily_anchor_seconds if seconds >= 86400 else 0
