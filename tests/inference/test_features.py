from __future__ import annotations

import numpy as np
import pandas as pd

from quant.bars import Bars
from svc_inference.features import FEATURE_NAMES, WARMUP_BARS, bars_frame, build_features, latest_row
from tests.simulated_bars import simulate_bars


def test_the_builder_makes_the_seed_s_21_features_complete_after_warm_up() -> None:
    feats = build_features(simulate_bars(400, seed=1))
    assert list(feats.columns) == list(FEATURE_NAMES)
    assert len(FEATURE_NAMES) == 21
    assert feats.iloc[WARMUP_BARS:].notna().all().all()


def test_features_at_bar_t_do_not_change_when_later_bars_change() -> None:
    bars = simulate_bars(600, seed=2)
    t = 400
    before = build_features(bars).iloc[: t + 1]
    altered = bars.copy()
    rng = np.random.default_rng(0)
    scale = 1.0 + rng.normal(0.0, 0.05, len(bars) - t - 1)
    for col in ("open", "high", "low", "close"):
        altered.loc[t + 1 :, col] = altered.loc[t + 1 :, col].to_numpy() * scale
    altered.loc[t + 1 :, "volume"] = 1.0
    after = build_features(altered).iloc[: t + 1]
    pd.testing.assert_frame_equal(before, after, check_exact=True)
    assert not build_features(altered).iloc[t + 1 :].equals(build_features(bars).iloc[t + 1 :])


def test_the_served_row_is_the_training_row_of_the_last_bar() -> None:
    bars = simulate_bars(500, seed=3)
    full = build_features(bars).to_numpy(dtype=np.float32)
    np.testing.assert_array_equal(latest_row(bars)[0], full[-1])


def test_integer_epoch_timestamps_give_the_same_features_as_datetimes() -> None:
    bars = simulate_bars(300, seed=4)
    secs = ((bars["ts"] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy()
    q = Bars.from_columns(secs, bars["open"], bars["high"], bars["low"], bars["close"], bars["volume"])
    pd.testing.assert_frame_equal(build_features(bars_frame(q)), build_features(bars))
