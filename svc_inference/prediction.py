"""A prediction as plain data: the bundle's outputs for the last bar, with prices and context."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from svc_inference.labels import DIRECTIONS, RR_RATIOS, sl_target, tpsl_target


@dataclass(frozen=True)
class Prediction:
    """The model's view of the next `horizon` bars of one symbol."""

    symbol: str
    timeframe: str
    horizon: int
    predicted_high: float
    predicted_low: float
    confidence: float
    close: float
    atr: float
    prob_tp_first: dict[str, float]  # "long_rr2" -> probability
    amd_phase: int
    model_name: str
    model_version: int
    bar_time: datetime
    created_at: datetime
    stale: bool = False
    prob_sl_first: dict[str, float] = field(default_factory=dict)
    """P(stop first) per "long_rr2"...; 1 - P(TP first) - P(SL first) is P(neither in the horizon)."""
    experimental: bool = False
    """served by a version that has not passed the promotion gate (no champion for the name)."""
    quality: dict[str, float] = field(default_factory=dict)
    """the serving version's measured out-of-sample quality (its gate figures)."""

    def prob(self, direction: str, rr: float) -> float:
        return self.prob_tp_first[prob_key(direction, rr)]

    def prob_sl(self, direction: str, rr: float) -> float | None:
        """P(stop first), None for a model without stop classifiers."""
        return self.prob_sl_first.get(prob_key(direction, rr))

    @property
    def predicted_high_price(self) -> float:
        return self.close * (1.0 + self.predicted_high)

    @property
    def predicted_low_price(self) -> float:
        return self.close * (1.0 + self.predicted_low)

    def as_stale(self) -> Prediction:
        return replace(self, stale=True)

    def to_json(self) -> bytes:
        data = asdict(self)
        data["bar_time"] = self.bar_time.isoformat()
        data["created_at"] = self.created_at.isoformat()
        return json.dumps(data).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Prediction:
        data: dict[str, Any] = json.loads(raw)
        data["bar_time"] = datetime.fromisoformat(data["bar_time"])
        data["created_at"] = datetime.fromisoformat(data["created_at"])
        return cls(**data)


def prob_key(direction: str, rr: float) -> str:
    return f"{direction}_rr{int(rr)}"


def classifier_confidence(p_long: float, p_short: float) -> float:
    """0.5 when the 2:1 classifiers see both sides alike, up to 1 when one side is certain."""
    return 0.5 + abs(p_long - p_short) / 2.0


def from_outputs(
    row: NDArray[np.float32],
    outputs: list[str],
    **context: Any,
) -> Prediction:
    """Build a Prediction from one output row of the bundle (columns named by `outputs`)."""
    col = {name: float(row[j]) for j, name in enumerate(outputs)}
    probs = {prob_key(d, rr): col[tpsl_target(d, rr).name] for d in DIRECTIONS for rr in RR_RATIOS}
    stops = {
        prob_key(d, rr): col[sl_target(d, rr).name]
        for d in DIRECTIONS
        for rr in RR_RATIOS
        if sl_target(d, rr).name in col
    }
    context.setdefault("prob_sl_first", stops)
    return Prediction(
        predicted_high=col["delta_high"],
        predicted_low=col["delta_low"],
        confidence=classifier_confidence(probs["long_rr2"], probs["short_rr2"]),
        prob_tp_first=probs,
        **context,
    )
