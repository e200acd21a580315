"""Shared helpers of the market tests."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from quant.bars import Bars

T0 = int(datetime(2025, 1, 6, tzinfo=UTC).timestamp())  # Monday 00:00 UTC


def walk(ts: list[int] | np.ndarray, start: float = 1.1, seed: int = 3) -> Bars:
    rng = np.random.default_rng(seed)
    n = len(ts)
    close = start + np.cumsum(rng.normal(0, 0.0005, n))
    open_ = np.concatenate(([start], close[:-1]))
    high = np.maximum(open_, close) + 0.0002
    low = np.minimum(open_, close) - 0.0002
    return Bars.from_columns(ts, open_, high, low, close, rng.integers(1, 100, n).astype(float))
