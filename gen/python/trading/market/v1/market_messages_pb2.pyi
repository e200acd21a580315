import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from trading.common.v1 import symbol_pb2 as _symbol_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AssetType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSET_TYPE_UNSPECIFIED: _ClassVar[AssetType]
    ASSET_TYPE_FOREX: _ClassVar[AssetType]
    ASSET_TYPE_CRYPTO: _ClassVar[AssetType]
    ASSET_TYPE_INDEX: _ClassVar[AssetType]
    ASSET_TYPE_COMMODITY: _ClassVar[AssetType]
    ASSET_TYPE_STOCK: _ClassVar[AssetType]

class Session(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_UNSPECIFIED: _ClassVar[Session]
    SESSION_ASIAN: _ClassVar[Session]
    SESSION_LONDON: _ClassVar[Session]
    SESSION_NEW_YORK: _ClassVar[Session]
    SESSION_OFF_HOURS: _ClassVar[Session]

class AmdPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AMD_PHASE_UNSPECIFIED: _ClassVar[AmdPhase]
    AMD_PHASE_ACCUMULATION: _ClassVar[AmdPhase]
    AMD_PHASE_MANIPULATION: _ClassVar[AmdPhase]
    AMD_PHASE_DISTRIBUTION: _ClassVar[AmdPhase]

class SyncJobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYNC_JOB_STATE_UNSPECIFIED: _ClassVar[SyncJobState]
    SYNC_JOB_STATE_QUEUED: _ClassVar[SyncJobState]
    SYNC_JOB_STATE_RUNNING: _ClassVar[SyncJobState]
    SYNC_JOB_STATE_SUCCEEDED: _ClassVar[SyncJobState]
    SYNC_JOB_STATE_FAILED: _ClassVar[SyncJobState]
ASSET_TYPE_UNSPECIFIED: AssetType
ASSET_TYPE_FOREX: AssetType
ASSET_TYPE_CRYPTO: AssetType
ASSET_TYPE_INDEX: AssetType
ASSET_TYPE_COMMODITY: AssetType
ASSET_TYPE_STOCK: AssetType
SESSION_UNSPECIFIED: Session
SESSION_ASIAN: Session
SESSION_LONDON: Session
SESSION_NEW_YORK: Session
SESSION_OFF_HOURS: Session
AMD_PHASE_UNSPECIFIED: AmdPhase
AMD_PHASE_ACCUMULATION: AmdPhase
AMD_PHASE_MANIPULATION: AmdPhase
AMD_PHASE_DISTRIBUTION: AmdPhase
SYNC_JOB_STATE_UNSPECIFIED: SyncJobState
SYNC_JOB_STATE_QUEUED: SyncJobState
SYNC_JOB_STATE_RUNNING: SyncJobState
SYNC_JOB_STATE_SUCCEEDED: SyncJobState
SYNC_JOB_STATE_FAILED: SyncJobState

class TradingHours(_message.Message):
    __slots__ = ("name", "weekdays", "open_utc", "close_utc", "code")
    NAME_FIELD_NUMBER: _ClassVar[int]
    WEEKDAYS_FIELD_NUMBER: _ClassVar[int]
    OPEN_UTC_FIELD_NUMBER: _ClassVar[int]
    CLOSE_UTC_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    name: str
    weekdays: _containers.RepeatedScalarFieldContainer[int]
    open_utc: str
    close_utc: str
    code: str
    def __init__(self, name: _Optional[str] = ..., weekdays: _Optional[_Iterable[int]] = ..., open_utc: _Optional[str] = ..., close_utc: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class ModelledSpread(_message.Message):
    __slots__ = ("session", "spread")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    SPREAD_FIELD_NUMBER: _ClassVar[int]
    session: Session
    spread: str
    def __init__(self, session: _Optional[_Union[Session, str]] = ..., spread: _Optional[str] = ...) -> None: ...

class SessionWindow(_message.Message):
    __slots__ = ("session", "start_utc", "end_utc")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    START_UTC_FIELD_NUMBER: _ClassVar[int]
    END_UTC_FIELD_NUMBER: _ClassVar[int]
    session: Session
    start_utc: str
    end_utc: str
    def __init__(self, session: _Optional[_Union[Session, str]] = ..., start_utc: _Optional[str] = ..., end_utc: _Optional[str] = ...) -> None: ...

class SymbolInfo(_message.Message):
    __slots__ = ("ticker_id", "symbol", "name", "asset_type", "provider_ticker", "pip_size", "price_precision", "contract_size", "min_lot", "max_lot", "lot_step", "hours", "quote_currency", "spreads")
    TICKER_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ASSET_TYPE_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_TICKER_FIELD_NUMBER: _ClassVar[int]
    PIP_SIZE_FIELD_NUMBER: _ClassVar[int]
    PRICE_PRECISION_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_SIZE_FIELD_NUMBER: _ClassVar[int]
    MIN_LOT_FIELD_NUMBER: _ClassVar[int]
    MAX_LOT_FIELD_NUMBER: _ClassVar[int]
    LOT_STEP_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    QUOTE_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    SPREADS_FIELD_NUMBER: _ClassVar[int]
    ticker_id: int
    symbol: str
    name: str
    asset_type: AssetType
    provider_ticker: str
    pip_size: str
    price_precision: int
    contract_size: str
    min_lot: str
    max_lot: str
    lot_step: str
    hours: TradingHours
    quote_currency: str
    spreads: _containers.RepeatedCompositeFieldContainer[ModelledSpread]
    def __init__(self, ticker_id: _Optional[int] = ..., symbol: _Optional[str] = ..., name: _Optional[str] = ..., asset_type: _Optional[_Union[AssetType, str]] = ..., provider_ticker: _Optional[str] = ..., pip_size: _Optional[str] = ..., price_precision: _Optional[int] = ..., contract_size: _Optional[str] = ..., min_lot: _Optional[str] = ..., max_lot: _Optional[str] = ..., lot_step: _Optional[str] = ..., hours: _Optional[_Union[TradingHours, _Mapping]] = ..., quote_currency: _Optional[str] = ..., spreads: _Optional[_Iterable[_Union[ModelledSpread, _Mapping]]] = ...) -> None: ...

class Candle(_message.Message):
    __slots__ = ("time", "open", "high", "low", "close", "volume")
    TIME_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    open: float
    high: float
    low: float
    close: float
    volume: float
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., open: _Optional[float] = ..., high: _Optional[float] = ..., low: _Optional[float] = ..., close: _Optional[float] = ..., volume: _Optional[float] = ...) -> None: ...

class Freshness(_message.Message):
    __slots__ = ("last_bar_time", "age_seconds", "stale", "provider_available", "simulated")
    LAST_BAR_TIME_FIELD_NUMBER: _ClassVar[int]
    AGE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    SIMULATED_FIELD_NUMBER: _ClassVar[int]
    last_bar_time: _timestamp_pb2.Timestamp
    age_seconds: int
    stale: bool
    provider_available: bool
    simulated: bool
    def __init__(self, last_bar_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., age_seconds: _Optional[int] = ..., stale: _Optional[bool] = ..., provider_available: _Optional[bool] = ..., simulated: _Optional[bool] = ...) -> None: ...

class ListSymbolsRequest(_message.Message):
    __slots__ = ("asset_type",)
    ASSET_TYPE_FIELD_NUMBER: _ClassVar[int]
    asset_type: AssetType
    def __init__(self, asset_type: _Optional[_Union[AssetType, str]] = ...) -> None: ...

class ListSymbolsResponse(_message.Message):
    __slots__ = ("symbols", "sessions")
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    symbols: _containers.RepeatedCompositeFieldContainer[SymbolInfo]
    sessions: _containers.RepeatedCompositeFieldContainer[SessionWindow]
    def __init__(self, symbols: _Optional[_Iterable[_Union[SymbolInfo, _Mapping]]] = ..., sessions: _Optional[_Iterable[_Union[SessionWindow, _Mapping]]] = ...) -> None: ...

class GetCandlesRequest(_message.Message):
    __slots__ = ("symbol", "tf", "to", "limit")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TF_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    tf: str
    to: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, symbol: _Optional[str] = ..., tf: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ..., **kwargs) -> None: ...

class GetCandlesResponse(_message.Message):
    __slots__ = ("symbol", "tf", "candles", "freshness", "source")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TF_FIELD_NUMBER: _ClassVar[int]
    CANDLES_FIELD_NUMBER: _ClassVar[int]
    FRESHNESS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    tf: str
    candles: _containers.RepeatedCompositeFieldContainer[Candle]
    freshness: Freshness
    source: str
    def __init__(self, symbol: _Optional[str] = ..., tf: _Optional[str] = ..., candles: _Optional[_Iterable[_Union[Candle, _Mapping]]] = ..., freshness: _Optional[_Union[Freshness, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class StreamPricesRequest(_message.Message):
    __slots__ = ("symbol",)
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    def __init__(self, symbol: _Optional[str] = ...) -> None: ...

class StreamPricesResponse(_message.Message):
    __slots__ = ("symbol", "bid", "ask", "price", "volume", "timestamp", "simulated")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    BID_FIELD_NUMBER: _ClassVar[int]
    ASK_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SIMULATED_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    bid: float
    ask: float
    price: float
    volume: float
    timestamp: _timestamp_pb2.Timestamp
    simulated: bool
    def __init__(self, symbol: _Optional[str] = ..., bid: _Optional[float] = ..., ask: _Optional[float] = ..., price: _Optional[float] = ..., volume: _Optional[float] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., simulated: _Optional[bool] = ...) -> None: ...

class GetQuoteRequest(_message.Message):
    __slots__ = ("symbol",)
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    def __init__(self, symbol: _Optional[str] = ...) -> None: ...

class GetQuoteResponse(_message.Message):
    __slots__ = ("quote", "session", "spread", "freshness")
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    SPREAD_FIELD_NUMBER: _ClassVar[int]
    FRESHNESS_FIELD_NUMBER: _ClassVar[int]
    quote: StreamPricesResponse
    session: Session
    spread: float
    freshness: Freshness
    def __init__(self, quote: _Optional[_Union[StreamPricesResponse, _Mapping]] = ..., session: _Optional[_Union[Session, str]] = ..., spread: _Optional[float] = ..., freshness: _Optional[_Union[Freshness, _Mapping]] = ...) -> None: ...

class WatchlistItem(_message.Message):
    __slots__ = ("symbol", "position")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    position: int
    def __init__(self, symbol: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class Watchlist(_message.Message):
    __slots__ = ("watchlist_id", "name", "position", "items", "created_at", "updated_at")
    WATCHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    watchlist_id: str
    name: str
    position: int
    items: _containers.RepeatedCompositeFieldContainer[WatchlistItem]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, watchlist_id: _Optional[str] = ..., name: _Optional[str] = ..., position: _Optional[int] = ..., items: _Optional[_Iterable[_Union[WatchlistItem, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListWatchlistsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListWatchlistsResponse(_message.Message):
    __slots__ = ("watchlists",)
    WATCHLISTS_FIELD_NUMBER: _ClassVar[int]
    watchlists: _containers.RepeatedCompositeFieldContainer[Watchlist]
    def __init__(self, watchlists: _Optional[_Iterable[_Union[Watchlist, _Mapping]]] = ...) -> None: ...

class CreateWatchlistRequest(_message.Message):
    __slots__ = ("name", "symbols")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    name: str
    symbols: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., symbols: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateWatchlistResponse(_message.Message):
    __slots__ = ("watchlist",)
    WATCHLIST_FIELD_NUMBER: _ClassVar[int]
    watchlist: Watchlist
    def __init__(self, watchlist: _Optional[_Union[Watchlist, _Mapping]] = ...) -> None: ...

class GetWatchlistRequest(_message.Message):
    __slots__ = ("watchlist_id",)
    WATCHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    watchlist_id: str
    def __init__(self, watchlist_id: _Optional[str] = ...) -> None: ...

class GetWatchlistResponse(_message.Message):
    __slots__ = ("watchlist",)
    WATCHLIST_FIELD_NUMBER: _ClassVar[int]
    watchlist: Watchlist
    def __init__(self, watchlist: _Optional[_Union[Watchlist, _Mapping]] = ...) -> None: ...

class UpdateWatchlistRequest(_message.Message):
    __slots__ = ("watchlist_id", "name", "position", "symbols", "replace_symbols")
    WATCHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    REPLACE_SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    watchlist_id: str
    name: str
    position: int
    symbols: _containers.RepeatedScalarFieldContainer[str]
    replace_symbols: bool
    def __init__(self, watchlist_id: _Optional[str] = ..., name: _Optional[str] = ..., position: _Optional[int] = ..., symbols: _Optional[_Iterable[str]] = ..., replace_symbols: _Optional[bool] = ...) -> None: ...

class UpdateWatchlistResponse(_message.Message):
    __slots__ = ("watchlist",)
    WATCHLIST_FIELD_NUMBER: _ClassVar[int]
    watchlist: Watchlist
    def __init__(self, watchlist: _Optional[_Union[Watchlist, _Mapping]] = ...) -> None: ...

class DeleteWatchlistRequest(_message.Message):
    __slots__ = ("watchlist_id",)
    WATCHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    watchlist_id: str
    def __init__(self, watchlist_id: _Optional[str] = ...) -> None: ...

class DeleteWatchlistResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AddWatchlistSymbolRequest(_message.Message):
    __slots__ = ("watchlist_id", "symbol", "position")
    WATCHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    watchlist_id: str
    symbol: str
    position: int
    def __init__(self, watchlist_id: _Optional[str] = ..., symbol: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class AddWatchlistSymbolResponse(_message.Message):
    __slots__ = ("watchlist",)
    WATCHLIST_FIELD_NUMBER: _ClassVar[int]
    watchlist: Watchlist
    def __init__(self, watchlist: _Optional[_Union[Watchlist, _Mapping]] = ...) -> None: ...

class RemoveWatchlistSymbolRequest(_message.Message):
    __slots__ = ("watchlist_id", "symbol")
    WATCHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    watchlist_id: str
    symbol: str
    def __init__(self, watchlist_id: _Optional[str] = ..., symbol: _Optional[str] = ...) -> None: ...

class RemoveWatchlistSymbolResponse(_message.Message):
    __slots__ = ("watchlist",)
    WATCHLIST_FIELD_NUMBER: _ClassVar[int]
    watchlist: Watchlist
    def __init__(self, watchlist: _Optional[_Union[Watchlist, _Mapping]] = ...) -> None: ...

class IndicatorPoint(_message.Message):
    __slots__ = ("time", "close", "sma_10", "sma_20", "sma_50", "ema_12", "ema_26", "rsi_14", "macd", "macd_signal", "macd_hist", "atr_14", "bb_mid", "bb_upper", "bb_lower", "amd_phase")
    TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FIELD_NUMBER: _ClassVar[int]
    SMA_10_FIELD_NUMBER: _ClassVar[int]
    SMA_20_FIELD_NUMBER: _ClassVar[int]
    SMA_50_FIELD_NUMBER: _ClassVar[int]
    EMA_12_FIELD_NUMBER: _ClassVar[int]
    EMA_26_FIELD_NUMBER: _ClassVar[int]
    RSI_14_FIELD_NUMBER: _ClassVar[int]
    MACD_FIELD_NUMBER: _ClassVar[int]
    MACD_SIGNAL_FIELD_NUMBER: _ClassVar[int]
    MACD_HIST_FIELD_NUMBER: _ClassVar[int]
    ATR_14_FIELD_NUMBER: _ClassVar[int]
    BB_MID_FIELD_NUMBER: _ClassVar[int]
    BB_UPPER_FIELD_NUMBER: _ClassVar[int]
    BB_LOWER_FIELD_NUMBER: _ClassVar[int]
    AMD_PHASE_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    close: float
    sma_10: float
    sma_20: float
    sma_50: float
    ema_12: float
    ema_26: float
    rsi_14: float
    macd: float
    macd_signal: float
    macd_hist: float
    atr_14: float
    bb_mid: float
    bb_upper: float
    bb_lower: float
    amd_phase: AmdPhase
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close: _Optional[float] = ..., sma_10: _Optional[float] = ..., sma_20: _Optional[float] = ..., sma_50: _Optional[float] = ..., ema_12: _Optional[float] = ..., ema_26: _Optional[float] = ..., rsi_14: _Optional[float] = ..., macd: _Optional[float] = ..., macd_signal: _Optional[float] = ..., macd_hist: _Optional[float] = ..., atr_14: _Optional[float] = ..., bb_mid: _Optional[float] = ..., bb_upper: _Optional[float] = ..., bb_lower: _Optional[float] = ..., amd_phase: _Optional[_Union[AmdPhase, str]] = ...) -> None: ...

class GetIndicatorsRequest(_message.Message):
    __slots__ = ("symbol", "timeframe", "points")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    timeframe: str
    points: int
    def __init__(self, symbol: _Optional[str] = ..., timeframe: _Optional[str] = ..., points: _Optional[int] = ...) -> None: ...

class GetIndicatorsResponse(_message.Message):
    __slots__ = ("symbol", "timeframe", "points", "freshness")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    FRESHNESS_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    timeframe: str
    points: _containers.RepeatedCompositeFieldContainer[IndicatorPoint]
    freshness: Freshness
    def __init__(self, symbol: _Optional[str] = ..., timeframe: _Optional[str] = ..., points: _Optional[_Iterable[_Union[IndicatorPoint, _Mapping]]] = ..., freshness: _Optional[_Union[Freshness, _Mapping]] = ...) -> None: ...

class GetIndicatorSnapshotRequest(_message.Message):
    __slots__ = ("symbol", "timeframe")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    timeframe: str
    def __init__(self, symbol: _Optional[str] = ..., timeframe: _Optional[str] = ...) -> None: ...

class GetIndicatorSnapshotResponse(_message.Message):
    __slots__ = ("symbol", "latest", "freshness")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    LATEST_FIELD_NUMBER: _ClassVar[int]
    FRESHNESS_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    latest: IndicatorPoint
    freshness: Freshness
    def __init__(self, symbol: _Optional[str] = ..., latest: _Optional[_Union[IndicatorPoint, _Mapping]] = ..., freshness: _Optional[_Union[Freshness, _Mapping]] = ...) -> None: ...

class SyncJob(_message.Message):
    __slots__ = ("job_id", "ticker_id", "symbol", "state", "records", "error", "created_at", "finished_at")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    TICKER_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    ticker_id: int
    symbol: str
    state: SyncJobState
    records: int
    error: str
    created_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    def __init__(self, job_id: _Optional[str] = ..., ticker_id: _Optional[int] = ..., symbol: _Optional[str] = ..., state: _Optional[_Union[SyncJobState, str]] = ..., records: _Optional[int] = ..., error: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TickerSyncStatus(_message.Message):
    __slots__ = ("ticker_id", "symbol", "last_sync", "last_bar_time", "records_count", "running_job_id")
    TICKER_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    LAST_SYNC_FIELD_NUMBER: _ClassVar[int]
    LAST_BAR_TIME_FIELD_NUMBER: _ClassVar[int]
    RECORDS_COUNT_FIELD_NUMBER: _ClassVar[int]
    RUNNING_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    ticker_id: int
    symbol: str
    last_sync: _timestamp_pb2.Timestamp
    last_bar_time: _timestamp_pb2.Timestamp
    records_count: int
    running_job_id: str
    def __init__(self, ticker_id: _Optional[int] = ..., symbol: _Optional[str] = ..., last_sync: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_bar_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., records_count: _Optional[int] = ..., running_job_id: _Optional[str] = ...) -> None: ...

class GetSyncStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSyncStatusResponse(_message.Message):
    __slots__ = ("tickers", "provider_available")
    TICKERS_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    tickers: _containers.RepeatedCompositeFieldContainer[TickerSyncStatus]
    provider_available: bool
    def __init__(self, tickers: _Optional[_Iterable[_Union[TickerSyncStatus, _Mapping]]] = ..., provider_available: _Optional[bool] = ...) -> None: ...

class TriggerSyncRequest(_message.Message):
    __slots__ = ("ticker_id",)
    TICKER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    ticker_id: int
    def __init__(self, ticker_id: _Optional[int] = ..., **kwargs) -> None: ...

class TriggerSyncResponse(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class GetSyncHistoryRequest(_message.Message):
    __slots__ = ("ticker_id",)
    TICKER_ID_FIELD_NUMBER: _ClassVar[int]
    ticker_id: int
    def __init__(self, ticker_id: _Optional[int] = ...) -> None: ...

class GetSyncHistoryResponse(_message.Message):
    __slots__ = ("last_sync", "records_count", "jobs")
    LAST_SYNC_FIELD_NUMBER: _ClassVar[int]
    RECORDS_COUNT_FIELD_NUMBER: _ClassVar[int]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    last_sync: _timestamp_pb2.Timestamp
    records_count: int
    jobs: _containers.RepeatedCompositeFieldContainer[SyncJob]
    def __init__(self, last_sync: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., records_count: _Optional[int] = ..., jobs: _Optional[_Iterable[_Union[SyncJob, _Mapping]]] = ...) -> None: ...

class GetSpreadsRequest(_message.Message):
    __slots__ = ("ticker_id", "session")
    TICKER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    ticker_id: int
    session: Session
    def __init__(self, ticker_id: _Optional[int] = ..., session: _Optional[_Union[Session, str]] = ...) -> None: ...

class SessionSpread(_message.Message):
    __slots__ = ("session", "avg_spread", "min", "max", "samples")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    AVG_SPREAD_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    session: Session
    avg_spread: float
    min: float
    max: float
    samples: int
    def __init__(self, session: _Optional[_Union[Session, str]] = ..., avg_spread: _Optional[float] = ..., min: _Optional[float] = ..., max: _Optional[float] = ..., samples: _Optional[int] = ...) -> None: ...

class GetSpreadsResponse(_message.Message):
    __slots__ = ("symbol", "sessions", "avg_spread", "min", "max")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    AVG_SPREAD_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    sessions: _containers.RepeatedCompositeFieldContainer[SessionSpread]
    avg_spread: float
    min: float
    max: float
    def __init__(self, symbol: _Optional[str] = ..., sessions: _Optional[_Iterable[_Union[SessionSpread, _Mapping]]] = ..., avg_spread: _Optional[float] = ..., min: _Optional[float] = ..., max: _Optional[float] = ...) -> None: ...

class GetDataHealthRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ProviderHealth(_message.Message):
    __slots__ = ("name", "enabled", "available", "retry_after_seconds", "active")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    name: str
    enabled: bool
    available: bool
    retry_after_seconds: float
    active: bool
    def __init__(self, name: _Optional[str] = ..., enabled: _Optional[bool] = ..., available: _Optional[bool] = ..., retry_after_seconds: _Optional[float] = ..., active: _Optional[bool] = ...) -> None: ...

class GetDataHealthResponse(_message.Message):
    __slots__ = ("status", "providers")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    status: str
    providers: _containers.RepeatedCompositeFieldContainer[ProviderHealth]
    def __init__(self, status: _Optional[str] = ..., providers: _Optional[_Iterable[_Union[ProviderHealth, _Mapping]]] = ...) -> None: ...
