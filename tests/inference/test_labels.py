from __future__ import annotations

import numpy as np
import pandas as pd

from svc_inference.labels import build_labels, first_touch_wins
from tests.simulated_bars import simulate_bars


def test_labels_at_t_depend_only_on_the_next_horizon_bars() -> None:
    bars = simulate_bars(800, seed=5)
    h, t = 18, 500
    base = build_labels(bars, h)
    altered = bars.copy()
    cut = t + h + 1
    for col in ("open", "high", "low", "close"):
        altered.loc[cut:, col] = altered.loc[cut:, col] * 1.5
    changed = build_labels(altered, h)
    pd.testing.assert_frame_equal(base.iloc[: t + 1], changed.iloc[: t + 1])


def test_the_last_horizon_bars_have_no_labels() -> None:
    labels = build_labels(simulate_bars(300, seed=6), 18)
    assert labels.iloc[-18:].isna().all().all()
    assert labels.iloc[100:-18].notna().all().all()


def test_range_targets_are_the_future_extremes_relative_to_the_close() -> None:
    bars = simulate_bars(200, seed=7)
    labels = build_labels(bars, 5)
    t = 120
    assert labels.loc[t, "delta_high"] == bars["high"].iloc[t + 1 : t + 6].max() / bars["close"].iloc[t] - 1
    assert labels.loc[t, "delta_low"] == bars["low"].iloc[t + 1 : t + 6].min() / bars["close"].iloc[t] - 1


def test_a_bar_that_touches_both_stop_and_target_counts_as_a_loss() -> None:
    entry = np.array([100.0, 100.0, 100.0])
    stop = np.array([99.0, 99.0, 99.0])
    take = np.array([102.0, 102.0, 102.0])
    highs = np.array([[101.0, 102.5], [102.5, 100.0], [101.0, 101.0]])
    lows = np.array([[99.5, 98.5], [99.5, 99.5], [99.5, 99.5]])
    won = first_touch_wins(entry, stop, take, highs, lows, long=True)
    # row 0: the second bar touches both -> loss; row 1: target first -> win; row 2: neither -> 0
    assert won.tolist() == [0.0, 1.0, 0.0]


def test_short_trades_win_when_the_low_reaches_the_target_first() -> None:
    entry = np.array([100.0])
    won = first_touch_wins(
        entry,
        np.array([101.0]),
        np.array([98.0]),
        np.array([[100.5, 100.2]]),
        np.array([[99.0, 97.9]]),
        long=False,
    )
    assert won.tolist() == [1.0]
