"""quant.bars.resample: OHLCV aggregation, alignment and gaps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quant.bars import Bars, daily_anchor, resample, timeframe_seconds

T0 = 1_704_067_200  # 2024-01-01 00:00 UTC


def _bars(ts: list[int]) -> Bars:
    n = len(ts)
    close = np.arange(1, n + 1, dtype=np.float64)
    return Bars.from_columns(ts, close - 0.5, close + 1, close - 1, close, np.ones(n))


def test_one_hour_bar_takes_first_open_last_close_extremes_and_summed_volume() -> None:
    bars = _bars([T0 + 300 * i for i in range(12)])
    hour = resample(bars, 3600)
    assert hour.ts.tolist() == [T0]
    assert hour.open.tolist() == [0.5]
    assert hour.close.tolist() == [12.0]
    assert hour.high.tolist() == [13.0]
    assert hour.low.tolist() == [0.0]
    assert hour.volume.tolist() == [12.0]


def test_bars_align_on_utc_boundaries_not_on_the_first_bar() -> None:
    bars = _bars([T0 + 3600 * 3 + 300 * i for i in range(24)])  # 03:00 .. 04:55
    four = resample(bars, timeframe_seconds("4h"))
    assert four.ts.tolist() == [T0, T0 + 4 * 3600]
    assert four.volume.tolist() == [12.0, 12.0]


def test_gaps_stay_gaps() -> None:
    bars = _bars([T0, T0 + 300, T0 + 5 * 3600, T0 + 5 * 3600 + 300])
    hourly = resample(bars, 3600)
    assert hourly.ts.tolist() == [T0, T0 + 5 * 3600]


def test_daily_bars_start_at_a_configurable_hour() -> None:
    bars = _bars([T0 + 21 * 3600, T0 + 22 * 3600, T0 + 23 * 3600])
    assert resample(bars, 86400).ts.tolist() == [T0]
    fx_days = resample(bars, 86400, anchor=daily_anchor(22))
    assert fx_days.ts.tolist() == [T0 - 2 * 3600, T0 + 22 * 3600]


def test_unsorted_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="increasing"):
        _bars([T0 + 300, T0])


def test_unknown_timeframe_is_rejected() -> None:
    with pytest.raises(ValueError, match="timeframe"):
        timeframe_seconds("7m")


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 2000), min_size=1, max_size=80, unique=True), st.sampled_from([900, 3600, 14400])
)
def test_resampling_matches_a_per_bucket_loop(slots, seconds) -> None:
    ts = sorted(T0 + 300 * s for s in slots)
    rng = np.random.default_rng(len(ts))
    close = rng.uniform(1, 2, len(ts))
    high, low = close + rng.uniform(0, 1, len(ts)), close - rng.uniform(0, 1, len(ts))
    bars = Bars.from_columns(ts, close, high, low, close, rng.uniform(0, 10, len(ts)))
    out = resample(bars, seconds)
    groups: dict[int, list[int]] = {}
    for i, t in enumerate(ts):
        groups.setdefault(t - t % seconds, []).append(i)
    assert out.ts.tolist() == sorted(groups)
    for j, idx in enumerate(groups[k] for k in sorted(groups)):
        assert out.open[j] == bars.open[idx[0]]
        assert out.close[j] == bars.close[idx[-1]]
        assert out.high[j] == max(bars.high[idx])
        assert out.low[j] == min(bars.low[idx])
        assert out.volume[j] == pytest.approx(sum(bars.volume[idx]))
