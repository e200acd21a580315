import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from trading.common.v1 import paging_pb2 as _paging_pb2
from trading.common.v1 import symbol_pb2 as _symbol_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SignalDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGNAL_DIRECTION_UNSPECIFIED: _ClassVar[SignalDirection]
    SIGNAL_DIRECTION_LONG: _ClassVar[SignalDirection]
    SIGNAL_DIRECTION_SHORT: _ClassVar[SignalDirection]
    SIGNAL_DIRECTION_NONE: _ClassVar[SignalDirection]

class AmdPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AMD_PHASE_UNSPECIFIED: _ClassVar[AmdPhase]
    AMD_PHASE_ACCUMULATION: _ClassVar[AmdPhase]
    AMD_PHASE_MANIPULATION: _ClassVar[AmdPhase]
    AMD_PHASE_DISTRIBUTION: _ClassVar[AmdPhase]

class ModelStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODEL_STATUS_UNSPECIFIED: _ClassVar[ModelStatus]
    MODEL_STATUS_CANDIDATE: _ClassVar[ModelStatus]
    MODEL_STATUS_CHAMPION: _ClassVar[ModelStatus]
    MODEL_STATUS_RETIRED: _ClassVar[ModelStatus]
SIGNAL_DIRECTION_UNSPECIFIED: SignalDirection
SIGNAL_DIRECTION_LONG: SignalDirection
SIGNAL_DIRECTION_SHORT: SignalDirection
SIGNAL_DIRECTION_NONE: SignalDirection
AMD_PHASE_UNSPECIFIED: AmdPhase
AMD_PHASE_ACCUMULATION: AmdPhase
AMD_PHASE_MANIPULATION: AmdPhase
AMD_PHASE_DISTRIBUTION: AmdPhase
MODEL_STATUS_UNSPECIFIED: ModelStatus
MODEL_STATUS_CANDIDATE: ModelStatus
MODEL_STATUS_CHAMPION: ModelStatus
MODEL_STATUS_RETIRED: ModelStatus

class TpFirstProbability(_message.Message):
    __slots__ = ("direction", "rr_ratio", "probability")
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    RR_RATIO_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    direction: SignalDirection
    rr_ratio: float
    probability: float
    def __init__(self, direction: _Optional[_Union[SignalDirection, str]] = ..., rr_ratio: _Optional[float] = ..., probability: _Optional[float] = ...) -> None: ...

class Prediction(_message.Message):
    __slots__ = ("symbol", "timeframe", "horizon", "predicted_high", "predicted_low", "confidence", "close", "predicted_high_price", "predicted_low_price", "atr", "prob_tp_first", "amd_phase", "model_name", "model_version", "bar_time", "created_at", "stale", "experimental", "quality", "prob_sl_first")
    class QualityEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_HIGH_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_LOW_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_HIGH_PRICE_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_LOW_PRICE_FIELD_NUMBER: _ClassVar[int]
    ATR_FIELD_NUMBER: _ClassVar[int]
    PROB_TP_FIRST_FIELD_NUMBER: _ClassVar[int]
    AMD_PHASE_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    BAR_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENTAL_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    PROB_SL_FIRST_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    timeframe: str
    horizon: int
    predicted_high: float
    predicted_low: float
    confidence: float
    close: float
    predicted_high_price: float
    predicted_low_price: float
    atr: float
    prob_tp_first: _containers.RepeatedCompositeFieldContainer[TpFirstProbability]
    amd_phase: AmdPhase
    model_name: str
    model_version: int
    bar_time: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    stale: bool
    experimental: bool
    quality: _containers.ScalarMap[str, float]
    prob_sl_first: _containers.RepeatedCompositeFieldContainer[TpFirstProbability]
    def __init__(self, symbol: _Optional[str] = ..., timeframe: _Optional[str] = ..., horizon: _Optional[int] = ..., predicted_high: _Optional[float] = ..., predicted_low: _Optional[float] = ..., confidence: _Optional[float] = ..., close: _Optional[float] = ..., predicted_high_price: _Optional[float] = ..., predicted_low_price: _Optional[float] = ..., atr: _Optional[float] = ..., prob_tp_first: _Optional[_Iterable[_Union[TpFirstProbability, _Mapping]]] = ..., amd_phase: _Optional[_Union[AmdPhase, str]] = ..., model_name: _Optional[str] = ..., model_version: _Optional[int] = ..., bar_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stale: _Optional[bool] = ..., experimental: _Optional[bool] = ..., quality: _Optional[_Mapping[str, float]] = ..., prob_sl_first: _Optional[_Iterable[_Union[TpFirstProbability, _Mapping]]] = ...) -> None: ...

class Signal(_message.Message):
    __slots__ = ("id", "symbol", "timeframe", "horizon", "signal", "entry", "sl", "tp", "rr_ratio", "prob_tp_first", "confidence", "amd_phase", "strategy", "reason", "model_name", "model_version", "created_at", "valid_until", "prediction", "stale", "experimental", "expected_r", "outcome", "outcome_r")
    ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    SL_FIELD_NUMBER: _ClassVar[int]
    TP_FIELD_NUMBER: _ClassVar[int]
    RR_RATIO_FIELD_NUMBER: _ClassVar[int]
    PROB_TP_FIRST_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    AMD_PHASE_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    PREDICTION_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENTAL_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_R_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_R_FIELD_NUMBER: _ClassVar[int]
    id: str
    symbol: str
    timeframe: str
    horizon: int
    signal: SignalDirection
    entry: float
    sl: float
    tp: float
    rr_ratio: float
    prob_tp_first: float
    confidence: float
    amd_phase: AmdPhase
    strategy: str
    reason: str
    model_name: str
    model_version: int
    created_at: _timestamp_pb2.Timestamp
    valid_until: _timestamp_pb2.Timestamp
    prediction: Prediction
    stale: bool
    experimental: bool
    expected_r: float
    outcome: str
    outcome_r: float
    def __init__(self, id: _Optional[str] = ..., symbol: _Optional[str] = ..., timeframe: _Optional[str] = ..., horizon: _Optional[int] = ..., signal: _Optional[_Union[SignalDirection, str]] = ..., entry: _Optional[float] = ..., sl: _Optional[float] = ..., tp: _Optional[float] = ..., rr_ratio: _Optional[float] = ..., prob_tp_first: _Optional[float] = ..., confidence: _Optional[float] = ..., amd_phase: _Optional[_Union[AmdPhase, str]] = ..., strategy: _Optional[str] = ..., reason: _Optional[str] = ..., model_name: _Optional[str] = ..., model_version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., prediction: _Optional[_Union[Prediction, _Mapping]] = ..., stale: _Optional[bool] = ..., experimental: _Optional[bool] = ..., expected_r: _Optional[float] = ..., outcome: _Optional[str] = ..., outcome_r: _Optional[float] = ...) -> None: ...

class ScorecardLine(_message.Message):
    __slots__ = ("symbol", "model_name", "model_version", "strategy", "signals", "take_profits", "stops", "expiries", "win_rate", "mean_r", "total_r", "mean_r_lower", "mean_r_upper", "promised_r", "drift", "note", "backtest_mean_r", "backtest_lower", "backtest_upper", "backtest_trades", "backtest_drift")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    TAKE_PROFITS_FIELD_NUMBER: _ClassVar[int]
    STOPS_FIELD_NUMBER: _ClassVar[int]
    EXPIRIES_FIELD_NUMBER: _ClassVar[int]
    WIN_RATE_FIELD_NUMBER: _ClassVar[int]
    MEAN_R_FIELD_NUMBER: _ClassVar[int]
    TOTAL_R_FIELD_NUMBER: _ClassVar[int]
    MEAN_R_LOWER_FIELD_NUMBER: _ClassVar[int]
    MEAN_R_UPPER_FIELD_NUMBER: _ClassVar[int]
    PROMISED_R_FIELD_NUMBER: _ClassVar[int]
    DRIFT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    BACKTEST_MEAN_R_FIELD_NUMBER: _ClassVar[int]
    BACKTEST_LOWER_FIELD_NUMBER: _ClassVar[int]
    BACKTEST_UPPER_FIELD_NUMBER: _ClassVar[int]
    BACKTEST_TRADES_FIELD_NUMBER: _ClassVar[int]
    BACKTEST_DRIFT_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    model_name: str
    model_version: int
    strategy: str
    signals: int
    take_profits: int
    stops: int
    expiries: int
    win_rate: float
    mean_r: float
    total_r: float
    mean_r_lower: float
    mean_r_upper: float
    promised_r: float
    drift: bool
    note: str
    backtest_mean_r: float
    backtest_lower: float
    backtest_upper: float
    backtest_trades: int
    backtest_drift: bool
    def __init__(self, symbol: _Optional[str] = ..., model_name: _Optional[str] = ..., model_version: _Optional[int] = ..., strategy: _Optional[str] = ..., signals: _Optional[int] = ..., take_profits: _Optional[int] = ..., stops: _Optional[int] = ..., expiries: _Optional[int] = ..., win_rate: _Optional[float] = ..., mean_r: _Optional[float] = ..., total_r: _Optional[float] = ..., mean_r_lower: _Optional[float] = ..., mean_r_upper: _Optional[float] = ..., promised_r: _Optional[float] = ..., drift: _Optional[bool] = ..., note: _Optional[str] = ..., backtest_mean_r: _Optional[float] = ..., backtest_lower: _Optional[float] = ..., backtest_upper: _Optional[float] = ..., backtest_trades: _Optional[int] = ..., backtest_drift: _Optional[bool] = ...) -> None: ...

class GetScorecardRequest(_message.Message):
    __slots__ = ("symbol", "model_name", "strategy")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    model_name: str
    strategy: str
    def __init__(self, symbol: _Optional[str] = ..., model_name: _Optional[str] = ..., strategy: _Optional[str] = ...) -> None: ...

class GetScorecardResponse(_message.Message):
    __slots__ = ("lines",)
    LINES_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedCompositeFieldContainer[ScorecardLine]
    def __init__(self, lines: _Optional[_Iterable[_Union[ScorecardLine, _Mapping]]] = ...) -> None: ...

class GateComparison(_message.Message):
    __slots__ = ("name", "mean", "lower", "upper")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    LOWER_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    name: str
    mean: float
    lower: float
    upper: float
    def __init__(self, name: _Optional[str] = ..., mean: _Optional[float] = ..., lower: _Optional[float] = ..., upper: _Optional[float] = ...) -> None: ...

class GateClassifier(_message.Message):
    __slots__ = ("target", "auc", "auc_logistic", "brier", "brier_base_rate", "brier_logistic", "ece", "reliability")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    AUC_FIELD_NUMBER: _ClassVar[int]
    AUC_LOGISTIC_FIELD_NUMBER: _ClassVar[int]
    BRIER_FIELD_NUMBER: _ClassVar[int]
    BRIER_BASE_RATE_FIELD_NUMBER: _ClassVar[int]
    BRIER_LOGISTIC_FIELD_NUMBER: _ClassVar[int]
    ECE_FIELD_NUMBER: _ClassVar[int]
    RELIABILITY_FIELD_NUMBER: _ClassVar[int]
    target: str
    auc: float
    auc_logistic: float
    brier: float
    brier_base_rate: float
    brier_logistic: float
    ece: float
    reliability: _containers.RepeatedCompositeFieldContainer[CalibrationBin]
    def __init__(self, target: _Optional[str] = ..., auc: _Optional[float] = ..., auc_logistic: _Optional[float] = ..., brier: _Optional[float] = ..., brier_base_rate: _Optional[float] = ..., brier_logistic: _Optional[float] = ..., ece: _Optional[float] = ..., reliability: _Optional[_Iterable[_Union[CalibrationBin, _Mapping]]] = ...) -> None: ...

class GateReport(_message.Message):
    __slots__ = ("passed", "folds", "oos_rows", "comparisons", "classifiers", "ece", "ece_sampling", "reasons", "vs_champion", "vs_champion_rows")
    PASSED_FIELD_NUMBER: _ClassVar[int]
    FOLDS_FIELD_NUMBER: _ClassVar[int]
    OOS_ROWS_FIELD_NUMBER: _ClassVar[int]
    COMPARISONS_FIELD_NUMBER: _ClassVar[int]
    CLASSIFIERS_FIELD_NUMBER: _ClassVar[int]
    ECE_FIELD_NUMBER: _ClassVar[int]
    ECE_SAMPLING_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    VS_CHAMPION_FIELD_NUMBER: _ClassVar[int]
    VS_CHAMPION_ROWS_FIELD_NUMBER: _ClassVar[int]
    passed: bool
    folds: int
    oos_rows: int
    comparisons: _containers.RepeatedCompositeFieldContainer[GateComparison]
    classifiers: _containers.RepeatedCompositeFieldContainer[GateClassifier]
    ece: float
    ece_sampling: float
    reasons: _containers.RepeatedScalarFieldContainer[str]
    vs_champion: GateComparison
    vs_champion_rows: int
    def __init__(self, passed: _Optional[bool] = ..., folds: _Optional[int] = ..., oos_rows: _Optional[int] = ..., comparisons: _Optional[_Iterable[_Union[GateComparison, _Mapping]]] = ..., classifiers: _Optional[_Iterable[_Union[GateClassifier, _Mapping]]] = ..., ece: _Optional[float] = ..., ece_sampling: _Optional[float] = ..., reasons: _Optional[_Iterable[str]] = ..., vs_champion: _Optional[_Union[GateComparison, _Mapping]] = ..., vs_champion_rows: _Optional[int] = ...) -> None: ...

class CalibrationBin(_message.Message):
    __slots__ = ("lower", "upper", "mean_predicted", "observed_rate", "count")
    LOWER_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    MEAN_PREDICTED_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_RATE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    lower: float
    upper: float
    mean_predicted: float
    observed_rate: float
    count: int
    def __init__(self, lower: _Optional[float] = ..., upper: _Optional[float] = ..., mean_predicted: _Optional[float] = ..., observed_rate: _Optional[float] = ..., count: _Optional[int] = ...) -> None: ...

class ClassifierMetrics(_message.Message):
    __slots__ = ("target", "direction", "rr_ratio", "auc", "brier", "base_rate", "calibration")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    RR_RATIO_FIELD_NUMBER: _ClassVar[int]
    AUC_FIELD_NUMBER: _ClassVar[int]
    BRIER_FIELD_NUMBER: _ClassVar[int]
    BASE_RATE_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    target: str
    direction: SignalDirection
    rr_ratio: float
    auc: float
    brier: float
    base_rate: float
    calibration: _containers.RepeatedCompositeFieldContainer[CalibrationBin]
    def __init__(self, target: _Optional[str] = ..., direction: _Optional[_Union[SignalDirection, str]] = ..., rr_ratio: _Optional[float] = ..., auc: _Optional[float] = ..., brier: _Optional[float] = ..., base_rate: _Optional[float] = ..., calibration: _Optional[_Iterable[_Union[CalibrationBin, _Mapping]]] = ...) -> None: ...

class ModelMetrics(_message.Message):
    __slots__ = ("mae", "accuracy", "auc", "r2", "brier", "mae_high", "mae_low", "r2_high", "r2_low", "classifiers", "test_rows", "max_parity_diff", "gate")
    MAE_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_FIELD_NUMBER: _ClassVar[int]
    AUC_FIELD_NUMBER: _ClassVar[int]
    R2_FIELD_NUMBER: _ClassVar[int]
    BRIER_FIELD_NUMBER: _ClassVar[int]
    MAE_HIGH_FIELD_NUMBER: _ClassVar[int]
    MAE_LOW_FIELD_NUMBER: _ClassVar[int]
    R2_HIGH_FIELD_NUMBER: _ClassVar[int]
    R2_LOW_FIELD_NUMBER: _ClassVar[int]
    CLASSIFIERS_FIELD_NUMBER: _ClassVar[int]
    TEST_ROWS_FIELD_NUMBER: _ClassVar[int]
    MAX_PARITY_DIFF_FIELD_NUMBER: _ClassVar[int]
    GATE_FIELD_NUMBER: _ClassVar[int]
    mae: float
    accuracy: float
    auc: float
    r2: float
    brier: float
    mae_high: float
    mae_low: float
    r2_high: float
    r2_low: float
    classifiers: _containers.RepeatedCompositeFieldContainer[ClassifierMetrics]
    test_rows: int
    max_parity_diff: float
    gate: GateReport
    def __init__(self, mae: _Optional[float] = ..., accuracy: _Optional[float] = ..., auc: _Optional[float] = ..., r2: _Optional[float] = ..., brier: _Optional[float] = ..., mae_high: _Optional[float] = ..., mae_low: _Optional[float] = ..., r2_high: _Optional[float] = ..., r2_low: _Optional[float] = ..., classifiers: _Optional[_Iterable[_Union[ClassifierMetrics, _Mapping]]] = ..., test_rows: _Optional[int] = ..., max_parity_diff: _Optional[float] = ..., gate: _Optional[_Union[GateReport, _Mapping]] = ...) -> None: ...

class ModelVersion(_message.Message):
    __slots__ = ("name", "version", "status", "symbol", "timeframe", "horizon", "artifact_sha256", "features", "train_window", "test_window", "metrics", "created_at", "promoted_at", "loaded")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_SHA256_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    TRAIN_WINDOW_FIELD_NUMBER: _ClassVar[int]
    TEST_WINDOW_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PROMOTED_AT_FIELD_NUMBER: _ClassVar[int]
    LOADED_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    status: ModelStatus
    symbol: str
    timeframe: str
    horizon: int
    artifact_sha256: str
    features: _containers.RepeatedScalarFieldContainer[str]
    train_window: _paging_pb2.TimeRange
    test_window: _paging_pb2.TimeRange
    metrics: ModelMetrics
    created_at: _timestamp_pb2.Timestamp
    promoted_at: _timestamp_pb2.Timestamp
    loaded: bool
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., status: _Optional[_Union[ModelStatus, str]] = ..., symbol: _Optional[str] = ..., timeframe: _Optional[str] = ..., horizon: _Optional[int] = ..., artifact_sha256: _Optional[str] = ..., features: _Optional[_Iterable[str]] = ..., train_window: _Optional[_Union[_paging_pb2.TimeRange, _Mapping]] = ..., test_window: _Optional[_Union[_paging_pb2.TimeRange, _Mapping]] = ..., metrics: _Optional[_Union[ModelMetrics, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., promoted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., loaded: _Optional[bool] = ...) -> None: ...

class CreatePredictionRequest(_message.Message):
    __slots__ = ("symbol", "horizon", "timeframe")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    horizon: int
    timeframe: str
    def __init__(self, symbol: _Optional[str] = ..., horizon: _Optional[int] = ..., timeframe: _Optional[str] = ...) -> None: ...

class CreatePredictionResponse(_message.Message):
    __slots__ = ("prediction",)
    PREDICTION_FIELD_NUMBER: _ClassVar[int]
    prediction: Prediction
    def __init__(self, prediction: _Optional[_Union[Prediction, _Mapping]] = ...) -> None: ...

class CreateSignalRequest(_message.Message):
    __slots__ = ("symbol", "horizon", "include_range", "include_tpsl", "strategy", "timeframe")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_RANGE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_TPSL_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    horizon: int
    include_range: bool
    include_tpsl: bool
    strategy: str
    timeframe: str
    def __init__(self, symbol: _Optional[str] = ..., horizon: _Optional[int] = ..., include_range: _Optional[bool] = ..., include_tpsl: _Optional[bool] = ..., strategy: _Optional[str] = ..., timeframe: _Optional[str] = ...) -> None: ...

class CreateSignalResponse(_message.Message):
    __slots__ = ("signal",)
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    signal: Signal
    def __init__(self, signal: _Optional[_Union[Signal, _Mapping]] = ...) -> None: ...

class ListSignalsRequest(_message.Message):
    __slots__ = ("symbol", "horizon", "page_size")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    horizon: int
    page_size: int
    def __init__(self, symbol: _Optional[str] = ..., horizon: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListSignalsResponse(_message.Message):
    __slots__ = ("signals", "scorecard")
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    SCORECARD_FIELD_NUMBER: _ClassVar[int]
    signals: _containers.RepeatedCompositeFieldContainer[Signal]
    scorecard: _containers.RepeatedCompositeFieldContainer[ScorecardLine]
    def __init__(self, signals: _Optional[_Iterable[_Union[Signal, _Mapping]]] = ..., scorecard: _Optional[_Iterable[_Union[ScorecardLine, _Mapping]]] = ...) -> None: ...

class GetPredictionRequest(_message.Message):
    __slots__ = ("symbol", "horizon")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    horizon: int
    def __init__(self, symbol: _Optional[str] = ..., horizon: _Optional[int] = ...) -> None: ...

class GetPredictionResponse(_message.Message):
    __slots__ = ("prediction",)
    PREDICTION_FIELD_NUMBER: _ClassVar[int]
    prediction: Prediction
    def __init__(self, prediction: _Optional[_Union[Prediction, _Mapping]] = ...) -> None: ...

class BatchCreatePredictionsRequest(_message.Message):
    __slots__ = ("symbols", "horizon", "timeframe")
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    symbols: _containers.RepeatedScalarFieldContainer[str]
    horizon: int
    timeframe: str
    def __init__(self, symbols: _Optional[_Iterable[str]] = ..., horizon: _Optional[int] = ..., timeframe: _Optional[str] = ...) -> None: ...

class BatchCreatePredictionsResponse(_message.Message):
    __slots__ = ("predictions", "failed_symbols")
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    FAILED_SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    predictions: _containers.RepeatedCompositeFieldContainer[Prediction]
    failed_symbols: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, predictions: _Optional[_Iterable[_Union[Prediction, _Mapping]]] = ..., failed_symbols: _Optional[_Iterable[str]] = ...) -> None: ...

class FeatureRow(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, values: _Optional[_Iterable[float]] = ...) -> None: ...

class ModelOutputRow(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, values: _Optional[_Iterable[float]] = ...) -> None: ...

class PredictRowsRequest(_message.Message):
    __slots__ = ("name", "rows", "matrix")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    MATRIX_FIELD_NUMBER: _ClassVar[int]
    name: str
    rows: _containers.RepeatedCompositeFieldContainer[FeatureRow]
    matrix: FeatureMatrix
    def __init__(self, name: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[FeatureRow, _Mapping]]] = ..., matrix: _Optional[_Union[FeatureMatrix, _Mapping]] = ...) -> None: ...

class FeatureMatrix(_message.Message):
    __slots__ = ("columns", "float32_le")
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    FLOAT32_LE_FIELD_NUMBER: _ClassVar[int]
    columns: int
    float32_le: bytes
    def __init__(self, columns: _Optional[int] = ..., float32_le: _Optional[bytes] = ...) -> None: ...

class OutputMatrix(_message.Message):
    __slots__ = ("columns", "float32_le")
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    FLOAT32_LE_FIELD_NUMBER: _ClassVar[int]
    columns: int
    float32_le: bytes
    def __init__(self, columns: _Optional[int] = ..., float32_le: _Optional[bytes] = ...) -> None: ...

class PredictRowsResponse(_message.Message):
    __slots__ = ("output_names", "rows", "model_version", "matrix")
    OUTPUT_NAMES_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    MATRIX_FIELD_NUMBER: _ClassVar[int]
    output_names: _containers.RepeatedScalarFieldContainer[str]
    rows: _containers.RepeatedCompositeFieldContainer[ModelOutputRow]
    model_version: int
    matrix: OutputMatrix
    def __init__(self, output_names: _Optional[_Iterable[str]] = ..., rows: _Optional[_Iterable[_Union[ModelOutputRow, _Mapping]]] = ..., model_version: _Optional[int] = ..., matrix: _Optional[_Union[OutputMatrix, _Mapping]] = ...) -> None: ...

class GetModelsStatusRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _paging_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class GetModelsStatusResponse(_message.Message):
    __slots__ = ("models", "provider", "gpu", "page")
    MODELS_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    GPU_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[ModelVersion]
    provider: str
    gpu: bool
    page: _paging_pb2.PageResponse
    def __init__(self, models: _Optional[_Iterable[_Union[ModelVersion, _Mapping]]] = ..., provider: _Optional[str] = ..., gpu: _Optional[bool] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetModelMetricsRequest(_message.Message):
    __slots__ = ("name", "version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GetModelMetricsResponse(_message.Message):
    __slots__ = ("model",)
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: ModelVersion
    def __init__(self, model: _Optional[_Union[ModelVersion, _Mapping]] = ...) -> None: ...

class PromoteModelRequest(_message.Message):
    __slots__ = ("name", "version", "force")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    force: bool
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., force: _Optional[bool] = ...) -> None: ...

class PromoteModelResponse(_message.Message):
    __slots__ = ("model",)
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: ModelVersion
    def __init__(self, model: _Optional[_Union[ModelVersion, _Mapping]] = ...) -> None: ...

class GetEngineHealthRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetEngineHealthResponse(_message.Message):
    __slots__ = ("status", "gpu", "provider", "loaded_models")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    GPU_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    LOADED_MODELS_FIELD_NUMBER: _ClassVar[int]
    status: str
    gpu: bool
    provider: str
    loaded_models: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, status: _Optional[str] = ..., gpu: _Optional[bool] = ..., provider: _Optional[str] = ..., loaded_models: _Optional[_Iterable[str]] = ...) -> None: ...

class StreamPredictionsRequest(_message.Message):
    __slots__ = ("symbol", "horizon", "interval_s")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_S_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    horizon: int
    interval_s: int
    def __init__(self, symbol: _Optional[str] = ..., horizon: _Optional[int] = ..., interval_s: _Optional[int] = ...) -> None: ...

class StreamPredictionsResponse(_message.Message):
    __slots__ = ("prediction",)
    PREDICTION_FIELD_NUMBER: _ClassVar[int]
    prediction: Prediction
    def __init__(self, prediction: _Optional[_Union[Prediction, _Mapping]] = ...) -> None: ...
