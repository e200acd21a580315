"""The signal generator: rules turning a prediction into LONG, SHORT or NONE.

For each side (long, short) and each R:R (2:1, 3:1) a trade is a candidate with
- entry = the last close, stop = entry -/+ sl_atr_multiple x ATR(14), take-profit = entry +/- R:R
  x that distance (the same geometry the TP-before-SL labels were made with, so the classifier's
  probability p is the probability this very trade wins);
- break-even probability b = 1 / (1 + R:R), confidence = (p - b) / (1 - b), the edge over
  break-even scaled to 0..1;
- expected R after costs = p_tp x R:R - p_sl - cost / risk, where p_tp and p_sl are the calibrated
  probabilities that the take-profit or the stop comes first (the rest expires within the horizon,
  counted at 0 R) and `cost` the round-trip cost in price units (the spread of the entry's session).
  A model without stop classifiers counts every non-win as a full loss: p x R:R - (1 - p).
A strategy (a named filter set) keeps the candidates that pass all of its filters:
p >= b + min_margin; expected R >= min_expected_r; the AMD phase not blocked; optionally the
predicted range agrees (the side's predicted excursion at least `range_ratio` x the other side's)
and the take-profit lies inside the predicted range. The survivor with the highest expected R wins
(the lower R:R on a tie). None survives: NONE, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.errors import InvalidArgument
from quant.indicators import AMD_MANIPULATION
from svc_inference.labels import DIRECTIONS, RR_RATIOS
from svc_inference.prediction import Prediction

LONG, SHORT, NONE = "LONG", "SHORT", "NONE"


@dataclass(frozen=True)
class Strategy:
    """A named set of filters over the candidate trades."""

    name: str
    min_margin: float
    min_expected_r: float
    require_range_agreement: bool
    range_ratio: float = 1.0
    tp_within_range: bool = False
    blocked_phases: frozenset[int] = field(default_factory=frozenset)
    rr_ratios: tuple[float, ...] = RR_RATIOS


STRATEGIES: dict[str, Strategy] = {
    s.name: s
    for s in (
        Strategy(
            "conservative",
            min_margin=0.10,
            min_expected_r=0.25,
            require_range_agreement=True,
            range_ratio=1.2,
            tp_within_range=True,
            blocked_phases=frozenset({AMD_MANIPULATION}),
        ),
        Strategy(
            "aggressive_filter",
            min_margin=0.02,
            min_expected_r=0.05,
            require_range_agreement=False,
        ),
        Strategy(
            "breakout",
            min_margin=0.05,
            min_expected_r=0.15,
            require_range_agreement=True,
            blocked_phases=frozenset({AMD_MANIPULATION}),
            rr_ratios=(3.0,),
        ),
    )
}


def strategy_named(name: str) -> Strategy:
    try:
        return STRATEGIES[name]
    except KeyError:
        raise InvalidArgument(
            f"unknown strategy {name!r}",
            violations=[("strategy", f"one of {', '.join(sorted(STRATEGIES))}")],
            reason="UNKNOWN_STRATEGY",
        ) from None


@dataclass(frozen=True)
class SignalDecision:
    """What the rules decided, with the levels of the chosen trade (zeros for NONE)."""

    direction: str
    entry: float
    sl: float
    tp: float
    rr_ratio: float
    prob_tp_first: float
    confidence: float
    expected_r: float
    reason: str


@dataclass(frozen=True)
class _Candidate:
    direction: str
    rr: float
    p: float
    expected_r: float
    confidence: float


def expected_r(pred: Prediction, direction: str, rr: float, cost_r: float = 0.0) -> float:
    """Expected R of the trade after `cost_r` (costs in units of the risk); see the module doc."""
    p = pred.prob(direction, rr)
    p_sl = pred.prob_sl(direction, rr)
    if p_sl is None:
        return p * rr - (1.0 - p) - cost_r
    return p * rr - min(max(p_sl, 0.0), 1.0 - p) - cost_r


def _rejection(
    pred: Prediction, s: Strategy, direction: str, rr: float, risk: float, cost_r: float = 0.0
) -> str | None:
    p = pred.prob(direction, rr)
    breakeven = 1.0 / (1.0 + rr)
    if p < breakeven + s.min_margin:
        return f"p={p:.2f} under {breakeven + s.min_margin:.2f}"
    if expected_r(pred, direction, rr, cost_r) < s.min_expected_r:
        return f"expected R under {s.min_expected_r}"
    if pred.amd_phase in s.blocked_phases:
        return f"AMD phase {pred.amd_phase} blocked"
    up, down = pred.predicted_high, -pred.predicted_low
    side, other = (up, down) if direction == "long" else (down, up)
    if s.require_range_agreement and side < s.range_ratio * other:
        return "predicted range disagrees"
    if s.tp_within_range and rr * risk > side * pred.close:
        return "take-profit outside the predicted range"
    return None


def decide(
    pred: Prediction, strategy: Strategy, sl_atr_multiple: float = 1.0, *, cost: float = 0.0
) -> SignalDecision:
    """Apply `strategy` to `pred` (see the module doc for the rules); `cost` is the round trip's
    cost in price units (0: none)."""
    risk = sl_atr_multiple * pred.atr
    if not risk > 0.0:
        return SignalDecision(NONE, 0, 0, 0, 0, 0, 0, 0, "no ATR yet")
    cost_r = cost / risk
    passing: list[_Candidate] = []
    reasons: list[str] = []
    for direction in DIRECTIONS:
        for rr in strategy.rr_ratios:
            why = _rejection(pred, strategy, direction, rr, risk, cost_r)
            if why:
                reasons.append(f"{direction} {rr:g}:1 {why}")
                continue
            p = pred.prob(direction, rr)
            breakeven = 1.0 / (1.0 + rr)
            passing.append(
                _Candidate(
                    direction,
                    rr,
                    p,
                    expected_r(pred, direction, rr, cost_r),
                    (p - breakeven) / (1 - breakeven),
                )
            )
    if not passing:
        return SignalDecision(NONE, 0, 0, 0, 0, 0, 0, 0, "; ".join(reasons))
    best = max(passing, key=lambda c: (c.expected_r, -c.rr))
    sign = 1.0 if best.direction == "long" else -1.0
    entry = pred.close
    return SignalDecision(
        direction=LONG if best.direction == "long" else SHORT,
        entry=entry,
        sl=entry - sign * risk,
        tp=entry + sign * best.rr * risk,
        rr_ratio=best.rr,
        prob_tp_first=best.p,
        confidence=min(1.0, max(0.0, best.confidence)),
        expected_r=best.expected_r,
        reason=f"{best.direction} {best.rr:g}:1 p={best.p:.2f} expected R={best.expected_r:.2f}",
    )


@dataclass(frozen=True)
class Signal:
    """A decision with everything a client needs to act on it."""

    decision: SignalDecision
    prediction: Prediction
    strategy: str
    created_at: datetime
    valid_until: datetime
    id: str = ""

    @property
    def experimental(self) -> bool:
        return self.prediction.experimental
