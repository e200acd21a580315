"""The promotion gate: walk-forward against baselines, bootstrap intervals, calibration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from svc_inference import convert
from svc_inference.calibration import apply_platt, expected_calibration_error, fit_platt
from svc_inference.commands import train_command
from svc_inference.gate import GateParams, block_bootstrap_ci, folds_of, run_gate
from svc_inference.models import Base
from svc_inference.signals import STRATEGIES
from svc_inference.training import make_dataset
from tests.inference.conftest import SMALL
from tests.simulated_bars import simulate_bars, trending_bars


def test_walk_forward_folds_never_train_on_or_near_their_test_rows() -> None:
    folds = folds_of(3000, purge=18, g=GateParams(folds=4))
    assert len(folds) == 4
    for f in folds:
        assert f.fit.stop + 18 <= f.val.start
        assert f.val.stop + 18 <= f.test.start
    assert [f.test.stop for f in folds][-1] == 3000
    assert all(a.test.stop == b.test.start for a, b in itertools.pairwise(folds))


def test_the_bootstrap_interval_excludes_zero_only_for_a_real_gain() -> None:
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(2000)
    _, lo, hi = block_bootstrap_ci(noise, block=18, n=400, confidence=0.95, rng=rng)
    assert lo < 0 < hi
    _, lo, _ = block_bootstrap_ci(noise + 0.3, block=18, n=400, confidence=0.95, rng=rng)
    assert lo > 0


def test_platt_scaling_fixes_overconfident_probabilities() -> None:
    rng = np.random.default_rng(1)
    truth = rng.uniform(0.2, 0.8, 5000)
    y = (rng.random(5000) < truth).astype(float)
    overconfident = 1 / (1 + np.exp(-3 * np.log(truth / (1 - truth))))
    ab = fit_platt(overconfident, y)
    assert expected_calibration_error(y, apply_platt(overconfident, ab)) < 0.5 * expected_calibration_error(
        y, overconfident
    )


def test_a_model_trained_on_a_random_walk_fails_the_gate() -> None:
    judged = run_gate(make_dataset(simulate_bars(3000, seed=11, drift=0.0), 18), SMALL)
    assert not judged.passed
    assert judged.figures["reasons"]
    assert set(judged.figures["comparisons"]) == {
        "range_gain",
        "direction_gain",
        "brier_gain_vs_base_rate",
        "brier_gain_vs_logistic",
    }


def test_a_model_trained_on_a_planted_trend_passes_the_gate() -> None:
    judged = run_gate(make_dataset(trending_bars(3000, seed=1), 18), SMALL)
    assert judged.passed, judged.figures["reasons"]
    for c in judged.figures["comparisons"].values():
        assert c["lower"] > 0
    assert len(judged.figures["classifiers"]["tp_first_long_rr2"]["reliability"]) == 10
    promise = judged.figures["promise"]  # what each strategy's trades earned out of sample
    assert set(promise) == set(STRATEGIES)
    for p in promise.values():
        assert p["trades"] >= 0
        if p["trades"]:
            assert p["lower"] <= p["mean_r"] <= p["upper"]


@pytest.mark.parametrize(
    ("bars", "promoted"),
    [(simulate_bars(3000, seed=11, drift=0.0), False), (trending_bars(3000, seed=1), True)],
    ids=["random-walk", "planted-trend"],
)
async def test_training_promotes_only_what_the_gate_passes(make_database, tmp_path, bars, promoted) -> None:
    db = await make_database(Base.metadata)
    outcome = await train_command(
        symbol="EURUSD", bars=bars, db=db, data_dir=tmp_path, params=SMALL, now=bars["ts"].iloc[-1]
    )
    assert outcome.promoted is promoted
    assert outcome.record.status == ("champion" if promoted else "candidate")
    assert outcome.record.metrics["gate"]["passed"] is promoted
    assert outcome.record.metrics["calibration_maps"]
    served = convert.model_pb(outcome.record, loaded=False).metrics.gate  # GET /models/{name}/metrics
    assert served.passed is promoted
    assert {c.name for c in served.comparisons} == set(outcome.record.metrics["gate"]["comparisons"])
    assert len(served.classifiers) == 8
    assert bool(served.reasons) is not promoted


async def test_a_retrained_candidate_is_compared_with_the_champion_on_the_same_rows(
    make_database, tmp_path
) -> None:
    db = await make_database(Base.metadata)
    bars = trending_bars(3000, seed=1)
    first = await train_command(symbol="EURUSD", bars=bars, db=db, data_dir=tmp_path, params=SMALL)
    assert first.promoted
    again = await train_command(symbol="EURUSD", bars=bars, db=db, data_dir=tmp_path, params=SMALL)
    versus = again.record.metrics["gate"]["vs_champion"]
    # the candidate's test rows after the champion's training window: the same model scores the same
    assert versus["rows"] > 0
    assert versus["brier_gain"] == pytest.approx(0.0, abs=1e-6)
    assert again.promoted  # not worse on the same rows
    assert first.record.metrics["gate"].get("vs_champion") is None
