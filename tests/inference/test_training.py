from __future__ import annotations

import numpy as np
import pytest

from svc_inference.export import ParityError, export_bundle
from svc_inference.training import TrainedModels, make_dataset, time_split, train_models


def test_the_split_is_time_ordered_with_a_purge_gap_of_the_horizon() -> None:
    split = time_split(1000, purge=18)
    assert split.train.stop + 18 == split.val.start
    assert split.val.stop + 18 == split.test.start
    assert split.test.stop == 1000


def test_no_training_label_window_reaches_the_test_bars(bars) -> None:
    data = make_dataset(bars, 18)
    split = time_split(len(data.X), purge=18)
    last_train_label_end = data.ts.iloc[split.train.stop - 1] + np.timedelta64(18 * 5, "m")
    assert last_train_label_end < data.ts.iloc[split.val.start]
    assert data.ts.iloc[split.val.stop - 1] + np.timedelta64(18 * 5, "m") < data.ts.iloc[split.test.start]


def test_training_reports_held_out_metrics(trained: TrainedModels) -> None:
    m = trained.metrics
    for key in ("mae", "r2", "auc", "brier", "directional_accuracy", "test_rows"):
        assert key in m
    assert len(m["classifiers"]) == 4
    assert all(len(c["calibration"]) == 10 for c in m["classifiers"].values())
    assert sum(b["count"] for b in m["classifiers"]["tp_first_long_rr2"]["calibration"]) == m["test_rows"]
    assert trained.windows["train_end"] < trained.windows["test_start"]


def test_training_is_reproducible_with_a_seed(bars, trained: TrainedModels, small_params) -> None:
    again = train_models(bars, small_params)
    assert again.metrics == trained.metrics


def test_onnx_bundle_matches_native_xgboost_on_the_test_rows(bundle) -> None:
    assert max(bundle.max_abs_diff.values()) < 1e-4
    assert len(bundle.sha256) == 64


def test_export_is_refused_when_parity_fails(trained: TrainedModels) -> None:
    with pytest.raises(ParityError):
        export_bundle(trained, tolerance=0.0)
