from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.errors import InvalidArgument
from quant.indicators import AMD_ACCUMULATION, AMD_MANIPULATION
from svc_inference.prediction import Prediction
from svc_inference.signals import LONG, NONE, SHORT, STRATEGIES, decide, strategy_named


def _pred(long2=0.3, long3=0.2, short2=0.3, short3=0.2, high=0.004, low=-0.002, phase=AMD_ACCUMULATION):
    now = datetime(2025, 1, 6, 12, tzinfo=UTC)
    return Prediction(
        symbol="EURUSD",
        timeframe="5m",
        horizon=18,
        predicted_high=high,
        predicted_low=low,
        confidence=0.5,
        close=1.1,
        atr=0.001,
        prob_tp_first={"long_rr2": long2, "long_rr3": long3, "short_rr2": short2, "short_rr3": short3},
        amd_phase=phase,
        model_name="eurusd_5m_h18",
        model_version=1,
        bar_time=now,
        created_at=now,
    )


def test_a_strong_long_probability_gives_a_long_with_levels_from_atr() -> None:
    d = decide(_pred(long2=0.6), STRATEGIES["conservative"])
    assert d.direction == LONG
    assert d.entry == 1.1
    assert d.sl == pytest.approx(1.099)
    assert d.tp == pytest.approx(1.102)
    assert d.rr_ratio == 2.0
    assert d.prob_tp_first == 0.6
    assert d.confidence == pytest.approx((0.6 - 1 / 3) / (2 / 3))


def test_the_trade_with_the_highest_expected_r_wins() -> None:
    d = decide(_pred(long2=0.5, long3=0.45), STRATEGIES["aggressive_filter"])
    assert (d.direction, d.rr_ratio) == (LONG, 3.0)  # 0.45*3-0.55=0.8 > 0.5*2-0.5=0.5


def test_conservative_needs_the_predicted_range_to_agree_but_aggressive_does_not() -> None:
    pred = _pred(short2=0.5, high=0.004, low=-0.002)
    assert decide(pred, STRATEGIES["conservative"]).direction == NONE
    assert decide(pred, STRATEGIES["aggressive_filter"]).direction == SHORT


def test_conservative_stays_out_in_a_manipulation_phase() -> None:
    pred = _pred(long2=0.6, phase=AMD_MANIPULATION)
    d = decide(pred, STRATEGIES["conservative"])
    assert d.direction == NONE
    assert "blocked" in d.reason
    assert decide(pred, STRATEGIES["aggressive_filter"]).direction == LONG


def test_probabilities_under_break_even_give_none_with_reasons() -> None:
    d = decide(_pred(), STRATEGIES["aggressive_filter"])
    assert d.direction == NONE
    assert d.entry == d.sl == d.tp == 0
    assert "long 2:1" in d.reason


def test_an_unknown_strategy_is_an_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        strategy_named("yolo")


def test_expected_r_counts_expiries_apart_from_stops_and_pays_the_session_spread() -> None:
    from dataclasses import replace

    from svc_inference.signals import expected_r
    from tests.market_instruments import market_instruments

    pred = replace(
        _pred(long2=0.45),
        prob_sl_first={"long_rr2": 0.25, "long_rr3": 0.5, "short_rr2": 0.6, "short_rr3": 0.7},
    )
    # 45% target, 25% stop, 30% expire at ~0 R: 0.45 x 2 - 0.25 = +0.65R before costs
    assert expected_r(pred, "long", 2.0) == pytest.approx(0.65)
    assert expected_r(_pred(long2=0.45), "long", 2.0) == pytest.approx(0.35)  # no stop model: all losses
    asian, london = datetime(2025, 1, 6, 3, tzinfo=UTC), datetime(2025, 1, 6, 9, tzinfo=UTC)
    spreads = market_instruments()
    assert spreads.session_spread("EURUSD", asian) > spreads.session_spread("EURUSD", london) > 0
    cost = spreads.session_spread("EURUSD", asian)
    d = decide(pred, STRATEGIES["aggressive_filter"], cost=cost)
    assert d.direction == LONG
    assert d.expected_r == pytest.approx(0.65 - cost / 0.001)
    # a spread as wide as the expected edge leaves no trade
    assert decide(pred, STRATEGIES["aggressive_filter"], cost=0.00065).direction == NONE
