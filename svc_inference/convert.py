"""Domain objects to their protobuf messages (the servicer's only translation work)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from trading.inference.v1 import inference_messages_pb2 as pb

from core.convert import timestamp
from core.errors import InvalidArgument
from svc_inference.engine import EngineHealth
from svc_inference.labels import DIRECTIONS, RR_RATIOS
from svc_inference.prediction import Prediction
from svc_inference.registry import ModelRecord
from svc_inference.scorecard import ScoreLine
from svc_inference.signal_store import StoredSignal
from svc_inference.signals import LONG, NONE, SHORT, Signal, SignalDecision

DIRECTION = {
    LONG: pb.SIGNAL_DIRECTION_LONG,
    SHORT: pb.SIGNAL_DIRECTION_SHORT,
    NONE: pb.SIGNAL_DIRECTION_NONE,
    "long": pb.SIGNAL_DIRECTION_LONG,
    "short": pb.SIGNAL_DIRECTION_SHORT,
}
STATUS = {
    "candidate": pb.MODEL_STATUS_CANDIDATE,
    "champion": pb.MODEL_STATUS_CHAMPION,
    "retired": pb.MODEL_STATUS_RETIRED,
}


def prediction_pb(p: Prediction) -> pb.Prediction:
    return pb.Prediction(
        symbol=p.symbol,
        timeframe=p.timeframe,
        horizon=p.horizon,
        predicted_high=p.predicted_high,
        predicted_low=p.predicted_low,
        confidence=p.confidence,
        close=p.close,
        predicted_high_price=p.predicted_high_price,
        predicted_low_price=p.predicted_low_price,
        atr=p.atr,
        prob_tp_first=[
            pb.TpFirstProbability(direction=DIRECTION[d], rr_ratio=rr, probability=p.prob(d, rr))
            for d in DIRECTIONS
            for rr in RR_RATIOS
        ],
        amd_phase=pb.AmdPhase.Name(p.amd_phase),
        model_name=p.model_name,
        model_version=p.model_version,
        bar_time=timestamp(p.bar_time),
        created_at=timestamp(p.created_at),
        stale=p.stale,
        experimental=p.experimental,
        quality=p.quality,
        prob_sl_first=[
            pb.TpFirstProbability(direction=DIRECTION[d], rr_ratio=rr, probability=q)
            for d in DIRECTIONS
            for rr in RR_RATIOS
            if (q := p.prob_sl(d, rr)) is not None
        ],
    )


def signal_pb(s: Signal, *, include_range: bool = True, include_tpsl: bool = True) -> pb.Signal:
    d, p = s.decision, s.prediction
    msg = pb.Signal(
        id=s.id,
        symbol=p.symbol,
        timeframe=p.timeframe,
        horizon=p.horizon,
        signal=DIRECTION[d.direction],
        rr_ratio=d.rr_ratio,
        prob_tp_first=d.prob_tp_first,
        confidence=d.confidence,
        amd_phase=pb.AmdPhase.Name(p.amd_phase),
        strategy=s.strategy,
        reason=d.reason,
        model_name=p.model_name,
        model_version=p.model_version,
        created_at=timestamp(s.created_at),
        valid_until=timestamp(s.valid_until),
        stale=p.stale,
        experimental=p.experimental,
        expected_r=d.expected_r,
    )
    if include_tpsl:
        msg.entry, msg.sl, msg.tp = d.entry, d.sl, d.tp
    if include_range:
        msg.prediction.CopyFrom(prediction_pb(p))
    return msg


def stored_signal_pb(r: StoredSignal) -> pb.Signal:
    return pb.Signal(
        id=r.id,
        symbol=r.symbol,
        timeframe=r.timeframe,
        horizon=r.horizon,
        signal=DIRECTION[r.direction],
        entry=r.entry,
        sl=r.sl,
        tp=r.tp,
        rr_ratio=r.rr_ratio,
        prob_tp_first=r.prob_tp_first,
        confidence=r.confidence,
        amd_phase=pb.AmdPhase.Name(r.amd_phase),
        strategy=r.strategy,
        reason=r.reason,
        model_name=r.model_name,
        model_version=r.model_version,
        created_at=timestamp(r.created_at),
        valid_until=timestamp(r.valid_until),
        experimental=r.experimental,
        expected_r=r.expected_r or 0.0,
        outcome=r.outcome,
        outcome_r=r.outcome_r or 0.0,
    )


def scorecard_line_pb(line: ScoreLine) -> pb.ScorecardLine:
    return pb.ScorecardLine(**vars(line))


def gate_pb(g: dict[str, Any]) -> pb.GateReport:
    versus = g.get("vs_champion") or {}
    return pb.GateReport(
        passed=bool(g.get("passed")),
        folds=int(g.get("folds", 0)),
        oos_rows=int(g.get("oos_rows", 0)),
        comparisons=[
            pb.GateComparison(name=name, mean=c["mean"], lower=c["lower"], upper=c["upper"])
            for name, c in (g.get("comparisons") or {}).items()
        ],
        classifiers=[
            pb.GateClassifier(
                target=name,
                auc=c["auc"],
                auc_logistic=c["auc_logistic"],
                brier=c["brier"],
                brier_base_rate=c["brier_base_rate"],
                brier_logistic=c["brier_logistic"],
                ece=c["ece"],
                reliability=_calibration(c["reliability"]),
            )
            for name, c in (g.get("classifiers") or {}).items()
        ],
        ece=float(g.get("ece", 0.0)),
        ece_sampling=float(g.get("ece_sampling", 0.0)),
        reasons=list(g.get("reasons") or []),
        vs_champion=pb.GateComparison(
            name="brier_gain_vs_champion",
            mean=versus.get("brier_gain", 0.0),
            lower=versus.get("lower", 0.0),
            upper=versus.get("upper", 0.0),
        ),
        vs_champion_rows=int(versus.get("rows", 0)),
    )


def _calibration(bins: list[dict[str, float]]) -> list[pb.CalibrationBin]:
    return [
        pb.CalibrationBin(
            lower=b["lower"],
            upper=b["upper"],
            mean_predicted=b["mean_predicted"],
            observed_rate=b["observed_rate"],
            count=int(b["count"]),
        )
        for b in bins
    ]


def metrics_pb(m: dict[str, Any]) -> pb.ModelMetrics:
    msg = _metrics_pb(m)
    if "gate" in m:
        msg.gate.CopyFrom(gate_pb(m["gate"]))
    return msg


def _metrics_pb(m: dict[str, Any]) -> pb.ModelMetrics:
    return pb.ModelMetrics(
        mae=m["mae"],
        accuracy=m["directional_accuracy"],
        auc=m["auc"],
        r2=m["r2"],
        brier=m["brier"],
        mae_high=m["delta_high"]["mae"],
        mae_low=m["delta_low"]["mae"],
        r2_high=m["delta_high"]["r2"],
        r2_low=m["delta_low"]["r2"],
        classifiers=[
            pb.ClassifierMetrics(
                target=name,
                direction=DIRECTION[c["direction"]],
                rr_ratio=c["rr"],
                auc=c["auc"],
                brier=c["brier"],
                base_rate=c["base_rate"],
                calibration=_calibration(c["calibration"]),
            )
            for name, c in m["classifiers"].items()
        ],
        test_rows=m["test_rows"],
        max_parity_diff=m.get("max_parity_diff", 0.0),
    )


def model_pb(r: ModelRecord, *, loaded: bool) -> pb.ModelVersion:
    msg = pb.ModelVersion(
        name=r.name,
        version=r.version,
        status=STATUS[r.status],
        symbol=r.symbol,
        timeframe=r.timeframe,
        horizon=r.horizon,
        artifact_sha256=r.artifact_sha256,
        features=r.features,
        metrics=metrics_pb(r.metrics),
        created_at=timestamp(r.created_at),
        loaded=loaded,
    )
    msg.train_window.start.FromDatetime(r.train_start)
    msg.train_window.end.FromDatetime(r.train_end)
    msg.test_window.start.FromDatetime(r.test_start)
    msg.test_window.end.FromDatetime(r.test_end)
    if r.promoted_at is not None:
        msg.promoted_at.FromDatetime(r.promoted_at)
    return msg


MAX_BATCH_ROWS = 20_000


def feature_batch(request: pb.PredictRowsRequest) -> NDArray[np.float32]:
    """The request's rows as a float32 matrix, from `rows` or the `matrix` block (exactly one)."""
    has_matrix = request.HasField("matrix")
    if has_matrix == bool(request.rows):
        raise InvalidArgument(
            "give the batch as rows or as matrix, not both and not neither",
            violations=[("rows", "exactly one of rows and matrix is required")],
            reason="ONE_BATCH_FORM",
        )
    if has_matrix:
        block, columns = request.matrix.float32_le, request.matrix.columns
        if len(block) % (4 * columns):
            raise InvalidArgument(
                "matrix.float32_le must hold whole rows of float32 values",
                violations=[("matrix.float32_le", f"length must be a multiple of 4 x {columns}")],
            )
        X = np.frombuffer(block, dtype="<f4").reshape(-1, columns)
    else:
        widths = {len(r.values) for r in request.rows}
        if len(widths) != 1:
            raise InvalidArgument(
                "every row needs the same number of values", violations=[("rows", "ragged rows")]
            )
        X = np.array([r.values for r in request.rows], dtype=np.float32)
    if len(X) > MAX_BATCH_ROWS:
        raise InvalidArgument(f"at most {MAX_BATCH_ROWS} rows", violations=[("matrix", "too many rows")])
    return X


def output_batch(response: pb.PredictRowsResponse, out: NDArray[np.float32], as_matrix: bool) -> None:
    """Put the outputs in the form the request used."""
    if as_matrix:
        response.matrix.columns = out.shape[1]
        response.matrix.float32_le = np.ascontiguousarray(out, dtype="<f4").tobytes()
    else:
        response.rows.extend(pb.ModelOutputRow(values=row) for row in out.tolist())


def signals_pb(live: Signal | None, stored: list[StoredSignal]) -> list[pb.Signal]:
    """A ListSignals page: the signal computed now (if any) before the stored ones, newest first."""
    return ([signal_pb(live)] if live is not None else []) + [stored_signal_pb(r) for r in stored]


def engine_health_pb(health: EngineHealth) -> pb.GetEngineHealthResponse:
    return pb.GetEngineHealthResponse(
        status=health.status, gpu=health.gpu, provider=health.provider, loaded_models=health.loaded_models
    )


class SignalEncoder:
    """The encoded Signal per model, strategy and output flags, reused while the engine hands back
    the same decision and prediction (until a new bar closes or the champion changes); only the
    creation time is set per call."""

    def __init__(self) -> None:
        self._encoded: dict[tuple[str, str, bool, bool], tuple[SignalDecision, Prediction, pb.Signal]] = {}

    def response(
        self, model_name: str, signal: Signal, *, include_range: bool, include_tpsl: bool
    ) -> pb.CreateSignalResponse:
        key = (model_name, signal.strategy, include_range, include_tpsl)
        memo = self._encoded.get(key)
        if memo is None or memo[0] is not signal.decision or memo[1] is not signal.prediction:
            encoded = signal_pb(signal, include_range=include_range, include_tpsl=include_tpsl)
            memo = self._encoded[key] = (signal.decision, signal.prediction, encoded)
        resp = pb.CreateSignalResponse()
        resp.signal.CopyFrom(memo[2])
        resp.signal.created_at.FromDatetime(signal.created_at)  # the only per-call field
        return resp
