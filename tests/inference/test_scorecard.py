"""The live scorecard: stored signals resolved against the bars after them, by hand-made bars."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select
from trading.inference.v1 import inference_messages_pb2 as pb

from core.clock import TestClock
from svc_inference.bar_source import FrameBarSource
from svc_inference.models import Base, EntrySignalRow, ModelVersionRow, SignalOutcomeRow
from svc_inference.scorecard import Scorecard, aggregate
from svc_inference.service import InferenceServicer
from svc_inference.signals import LONG, SHORT
from tests.market_instruments import market_instruments

START = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)  # London session: EURUSD spread 0.8 pip
STEP = timedelta(minutes=5)
COST_R = 0.00008 / 0.0010  # the spread over a 10-pip risk


def _flat_bars(n: int) -> pd.DataFrame:
    ts = pd.date_range(START, periods=n, freq="5min", tz=UTC)
    return pd.DataFrame({"ts": ts, "open": 1.1, "high": 1.1002, "low": 1.0998, "close": 1.1, "volume": 100.0})


def _set(bars: pd.DataFrame, i: int, o: float, h: float, lo: float, c: float) -> None:
    bars.loc[i, ["open", "high", "low", "close"]] = [o, h, lo, c]


def _signal(at: int, direction: str, *, expected_r: float = 0.3) -> EntrySignalRow:
    side = 1.0 if direction == LONG else -1.0
    bar_time = START + at * STEP
    return EntrySignalRow(
        id=str(uuid.uuid4()),
        symbol="EURUSD",
        timeframe="5m",
        horizon=3,
        direction=direction,
        entry=1.1,
        sl=1.1 - side * 0.0010,
        tp=1.1 + side * 0.0020,
        rr_ratio=2.0,
        prob_tp_first=0.5,
        confidence=0.2,
        amd_phase=0,
        strategy="aggressive_filter",
        reason="scripted",
        model_name="eurusd_5m_h3",
        model_version=1,
        bar_time=bar_time,
        created_at=bar_time + STEP,
        valid_until=bar_time + 4 * STEP,
        expected_r=expected_r,
        experimental=False,
    )


@pytest.fixture
def scripted() -> tuple[pd.DataFrame, list[EntrySignalRow], list[tuple[str, float]]]:
    """Four signals and, by hand, how each must end (outcome, R after the spread)."""
    bars = _flat_bars(60)
    # 10 LONG: quiet, then the target is touched on the second bar: +2R
    _set(bars, 12, 1.1, 1.1025, 1.0995, 1.102)
    # 20 SHORT: the next bar opens above the stop (a gap): out at that open, -1.5R
    _set(bars, 21, 1.1015, 1.1018, 1.1012, 1.1016)
    # 30 LONG: one bar touches both stop and target: the stop, -1R
    _set(bars, 31, 1.1, 1.1025, 1.0985, 1.1)
    # 40 SHORT: nothing touched in 3 bars: expires at the third close, +0.4R
    _set(bars, 43, 1.1, 1.1003, 1.0995, 1.0996)
    signals = [_signal(10, LONG), _signal(20, SHORT), _signal(30, LONG), _signal(40, SHORT)]
    expected = [("tp", 2.0), ("sl", -1.5), ("sl", -1.0), ("expiry", 0.4)]
    return bars, signals, [(kind, r - COST_R) for kind, r in expected]


async def test_the_scorecard_of_a_scripted_run_matches_its_trades(make_database, scripted) -> None:
    bars, signals, expected = scripted
    db = await make_database(Base.metadata)
    source = FrameBarSource(instruments=market_instruments())
    source.put("EURUSD", "5m", bars)
    clock = TestClock(START + 60 * STEP)
    late = _signal(57, LONG)  # its three bars have not all closed yet
    async with db.transaction() as s:
        s.add_all([*signals, late])
    card = Scorecard(db, source, clock, min_signals=2)
    assert await card.resolve_due() == 4
    assert await card.resolve_due() == 0  # each signal is resolved once
    async with db.session() as s:
        rows = {r.signal_id: r for r in await s.scalars(select(SignalOutcomeRow))}
    for sig, (kind, r) in zip(signals, expected, strict=True):
        assert rows[sig.id].outcome == kind
        assert rows[sig.id].r == pytest.approx(r, abs=1e-9)
    assert rows[signals[1].id].exit_price == pytest.approx(1.1015)  # the gap's open, not the stop
    assert late.id not in rows

    (line,) = await card.lines(symbol="EURUSD")
    total = sum(r for _, r in expected)
    assert (line.signals, line.take_profits, line.stops, line.expiries) == (4, 1, 2, 1)
    assert line.total_r == pytest.approx(total)
    assert line.mean_r == pytest.approx(total / 4)
    assert line.win_rate == pytest.approx(0.5)
    assert line.mean_r_lower <= line.mean_r <= line.mean_r_upper
    assert line.promised_r == pytest.approx(0.3)

    servicer = InferenceServicer.__new__(InferenceServicer)
    servicer.scorecard = card
    page = await servicer.GetScorecard(pb.GetScorecardRequest(symbol="EURUSD"), None)
    assert [(x.signals, round(x.total_r, 9)) for x in page.lines] == [(4, round(total, 9))]
    assert not (await servicer.GetScorecard(pb.GetScorecardRequest(symbol="GBPUSD"), None)).lines


def _version(promise: dict[str, float]) -> ModelVersionRow:
    """eurusd_5m_h3 v1 as registered, with its walk-forward promise for aggressive_filter."""
    return ModelVersionRow(
        id=str(uuid.uuid4()),
        name="eurusd_5m_h3",
        version=1,
        status="champion",
        symbol="EURUSD",
        timeframe="5m",
        horizon=3,
        artifact_sha256="0" * 64,
        features=[],
        outputs=[],
        metrics={"gate": {"passed": True, "promise": {"aggressive_filter": promise}}},
        params={},
        train_start=START,
        train_end=START,
        test_start=START,
        test_end=START,
        created_at=START,
    )


@pytest.mark.parametrize(
    ("promise", "apart"),
    [
        ({"trades": 200, "mean_r": 3.0, "lower": 2.5, "upper": 3.5}, True),
        ({"trades": 200, "mean_r": 0.1, "lower": -0.2, "upper": 0.4}, False),
    ],
    ids=["promised-far-more", "promise-kept"],
)
async def test_the_backtest_drift_alarm_of_a_scripted_run(make_database, scripted, promise, apart) -> None:
    bars, signals, _ = scripted
    db = await make_database(Base.metadata)
    source = FrameBarSource()
    source.put("EURUSD", "5m", bars)
    async with db.transaction() as s:
        s.add_all([*signals, _version(promise)])
    card = Scorecard(db, source, TestClock(START + 60 * STEP), min_signals=2)
    assert await card.resolve_due() == 4
    (line,) = await card.lines(symbol="EURUSD")
    assert (line.backtest_trades, line.backtest_mean_r) == (200, promise["mean_r"])
    assert (line.backtest_lower, line.backtest_upper) == (promise["lower"], promise["upper"])
    assert line.backtest_drift is apart
    assert ("walk-forward" in line.note) is apart
    labels = {"symbol": "EURUSD", "model": "eurusd_5m_h3", "strategy": "aggressive_filter"}
    assert REGISTRY.get_sample_value("ml_signal_drift", {**labels, "kind": "backtest"}) == float(apart)
    servicer = InferenceServicer.__new__(InferenceServicer)
    servicer.scorecard = card
    (served,) = (await servicer.GetScorecard(pb.GetScorecardRequest(symbol="EURUSD"), None)).lines
    assert (served.backtest_drift, served.backtest_trades) == (apart, 200)


def _outcome(r: float, expected_r: float) -> SignalOutcomeRow:
    return SignalOutcomeRow(
        signal_id=str(uuid.uuid4()),
        symbol="EURUSD",
        model_name="m",
        model_version=1,
        strategy="s",
        direction=LONG,
        outcome="tp" if r > 0 else "sl",
        exit_time=START,
        exit_price=1.0,
        cost_r=0.0,
        r=r,
        expected_r=expected_r,
        resolved_at=START,
    )


def test_the_drift_alarm_sounds_only_when_the_promise_leaves_the_interval() -> None:
    rng = np.random.default_rng(3)
    kept = [_outcome(2.0 if w else -1.0, 0.2) for w in rng.random(60) < 0.4]
    (honest,) = aggregate(kept, min_signals=20)
    assert not honest.drift
    broken = [_outcome(2.0 if w else -1.0, 0.9) for w in rng.random(60) < 0.2]
    (drifted,) = aggregate(broken, min_signals=20)
    assert drifted.drift
    assert "promised +0.90R" in drifted.note
    (few,) = aggregate(broken[:5], min_signals=20)
    assert not few.drift  # too few signals to tell


async def test_a_signal_the_engine_stores_is_scored_and_listed_with_its_symbol(
    kit, trained, bundle, register_champion
) -> None:
    from svc_inference import signals as rules

    await register_champion(kit, trained, bundle)
    loose = rules.Strategy("test_loose", min_margin=-1.0, min_expected_r=-1.0, require_range_agreement=False)
    rules.STRATEGIES[loose.name] = loose
    try:
        signal = await kit.engine.generate_and_store(kit.engine.query("EURUSD"), loose.name)
    finally:
        del rules.STRATEGIES[loose.name]
    bars = kit.source.frames[("EURUSD", "5m")]
    last = bars.iloc[-1]
    quiet = pd.DataFrame(
        {
            "ts": pd.date_range(last["ts"] + STEP, periods=20, freq="5min"),
            "open": last["close"],
            "high": last["close"] + 1e-7,
            "low": last["close"] - 1e-7,
            "close": last["close"],
            "volume": 1.0,
        }
    )
    kit.source.put("EURUSD", "5m", pd.concat([bars, quiet], ignore_index=True))
    kit.clock.advance(21 * 300)
    card = Scorecard(kit.engine.db, kit.source, kit.clock)
    assert await card.resolve_due() == 1
    servicer = InferenceServicer(kit.engine, kit.clock, card)
    listed = await servicer.ListSignals(pb.ListSignalsRequest(symbol="EURUSD"), None)
    (line,) = listed.scorecard
    (shown,) = [x for x in listed.signals if x.id == signal.id]
    assert (shown.outcome, shown.outcome_r) == ("expiry", pytest.approx(line.total_r))
    d = signal.decision
    assert (line.signals, line.expiries, line.strategy) == (1, 1, loose.name)
    assert line.promised_r == pytest.approx(d.expected_r)
    # quiet bars: it expires where it started, paying the spread of its entry session
    assert line.total_r == pytest.approx(
        (last["close"] - d.entry) * (1 if d.direction == LONG else -1) / abs(d.entry - d.sl)
        - market_instruments().session_spread("EURUSD", signal.prediction.bar_time + STEP)
        / abs(d.entry - d.sl)
    )
