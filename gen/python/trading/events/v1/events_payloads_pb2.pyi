import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from trading.agent.v1 import agent_messages_pb2 as _agent_messages_pb2
from trading.common.v1 import money_pb2 as _money_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SignalDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGNAL_DIRECTION_UNSPECIFIED: _ClassVar[SignalDirection]
    SIGNAL_DIRECTION_LONG: _ClassVar[SignalDirection]
    SIGNAL_DIRECTION_SHORT: _ClassVar[SignalDirection]
    SIGNAL_DIRECTION_NONE: _ClassVar[SignalDirection]

class TradeSide(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRADE_SIDE_UNSPECIFIED: _ClassVar[TradeSide]
    TRADE_SIDE_BUY: _ClassVar[TradeSide]
    TRADE_SIDE_SELL: _ClassVar[TradeSide]

class TradeStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRADE_STATUS_UNSPECIFIED: _ClassVar[TradeStatus]
    TRADE_STATUS_FILLED: _ClassVar[TradeStatus]
    TRADE_STATUS_PARTIALLY_FILLED: _ClassVar[TradeStatus]
    TRADE_STATUS_REJECTED: _ClassVar[TradeStatus]
    TRADE_STATUS_CANCELED: _ClassVar[TradeStatus]

class TradeOrderType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRADE_ORDER_TYPE_UNSPECIFIED: _ClassVar[TradeOrderType]
    TRADE_ORDER_TYPE_MARKET: _ClassVar[TradeOrderType]
    TRADE_ORDER_TYPE_LIMIT: _ClassVar[TradeOrderType]
    TRADE_ORDER_TYPE_STOP: _ClassVar[TradeOrderType]

class TradeVenue(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRADE_VENUE_UNSPECIFIED: _ClassVar[TradeVenue]
    TRADE_VENUE_PAPER: _ClassVar[TradeVenue]
    TRADE_VENUE_BROKER: _ClassVar[TradeVenue]

class PositionCloseReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POSITION_CLOSE_REASON_UNSPECIFIED: _ClassVar[PositionCloseReason]
    POSITION_CLOSE_REASON_TAKE_PROFIT: _ClassVar[PositionCloseReason]
    POSITION_CLOSE_REASON_STOP_LOSS: _ClassVar[PositionCloseReason]
    POSITION_CLOSE_REASON_MANUAL: _ClassVar[PositionCloseReason]
    POSITION_CLOSE_REASON_MARGIN_CALL: _ClassVar[PositionCloseReason]
SIGNAL_DIRECTION_UNSPECIFIED: SignalDirection
SIGNAL_DIRECTION_LONG: SignalDirection
SIGNAL_DIRECTION_SHORT: SignalDirection
SIGNAL_DIRECTION_NONE: SignalDirection
TRADE_SIDE_UNSPECIFIED: TradeSide
TRADE_SIDE_BUY: TradeSide
TRADE_SIDE_SELL: TradeSide
TRADE_STATUS_UNSPECIFIED: TradeStatus
TRADE_STATUS_FILLED: TradeStatus
TRADE_STATUS_PARTIALLY_FILLED: TradeStatus
TRADE_STATUS_REJECTED: TradeStatus
TRADE_STATUS_CANCELED: TradeStatus
TRADE_ORDER_TYPE_UNSPECIFIED: TradeOrderType
TRADE_ORDER_TYPE_MARKET: TradeOrderType
TRADE_ORDER_TYPE_LIMIT: TradeOrderType
TRADE_ORDER_TYPE_STOP: TradeOrderType
TRADE_VENUE_UNSPECIFIED: TradeVenue
TRADE_VENUE_PAPER: TradeVenue
TRADE_VENUE_BROKER: TradeVenue
POSITION_CLOSE_REASON_UNSPECIFIED: PositionCloseReason
POSITION_CLOSE_REASON_TAKE_PROFIT: PositionCloseReason
POSITION_CLOSE_REASON_STOP_LOSS: PositionCloseReason
POSITION_CLOSE_REASON_MANUAL: PositionCloseReason
POSITION_CLOSE_REASON_MARGIN_CALL: PositionCloseReason

class PriceUpdate(_message.Message):
    __slots__ = ("symbol", "bid", "ask", "timestamp")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    BID_FIELD_NUMBER: _ClassVar[int]
    ASK_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    bid: float
    ask: float
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, symbol: _Optional[str] = ..., bid: _Optional[float] = ..., ask: _Optional[float] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MlSignalNew(_message.Message):
    __slots__ = ("signal_id", "symbol", "signal", "entry", "sl", "tp", "rr", "prob_tp_first", "confidence", "timeframe", "horizon_bars", "amd_phase", "model_version", "generated_at", "valid_until", "experimental")
    SIGNAL_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    SL_FIELD_NUMBER: _ClassVar[int]
    TP_FIELD_NUMBER: _ClassVar[int]
    RR_FIELD_NUMBER: _ClassVar[int]
    PROB_TP_FIRST_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    HORIZON_BARS_FIELD_NUMBER: _ClassVar[int]
    AMD_PHASE_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENTAL_FIELD_NUMBER: _ClassVar[int]
    signal_id: str
    symbol: str
    signal: SignalDirection
    entry: float
    sl: float
    tp: float
    rr: float
    prob_tp_first: float
    confidence: float
    timeframe: str
    horizon_bars: int
    amd_phase: str
    model_version: str
    generated_at: _timestamp_pb2.Timestamp
    valid_until: _timestamp_pb2.Timestamp
    experimental: bool
    def __init__(self, signal_id: _Optional[str] = ..., symbol: _Optional[str] = ..., signal: _Optional[_Union[SignalDirection, str]] = ..., entry: _Optional[float] = ..., sl: _Optional[float] = ..., tp: _Optional[float] = ..., rr: _Optional[float] = ..., prob_tp_first: _Optional[float] = ..., confidence: _Optional[float] = ..., timeframe: _Optional[str] = ..., horizon_bars: _Optional[int] = ..., amd_phase: _Optional[str] = ..., model_version: _Optional[str] = ..., generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., experimental: _Optional[bool] = ...) -> None: ...

class TradeExecuted(_message.Message):
    __slots__ = ("trade_id", "order_id", "user_id", "symbol", "side", "price", "quantity", "status", "venue", "account_id", "position_id", "signal_id", "executed_at", "order_type", "stop_loss", "take_profit")
    TRADE_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VENUE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTED_AT_FIELD_NUMBER: _ClassVar[int]
    ORDER_TYPE_FIELD_NUMBER: _ClassVar[int]
    STOP_LOSS_FIELD_NUMBER: _ClassVar[int]
    TAKE_PROFIT_FIELD_NUMBER: _ClassVar[int]
    trade_id: str
    order_id: str
    user_id: str
    symbol: str
    side: TradeSide
    price: str
    quantity: str
    status: TradeStatus
    venue: TradeVenue
    account_id: str
    position_id: str
    signal_id: str
    executed_at: _timestamp_pb2.Timestamp
    order_type: TradeOrderType
    stop_loss: str
    take_profit: str
    def __init__(self, trade_id: _Optional[str] = ..., order_id: _Optional[str] = ..., user_id: _Optional[str] = ..., symbol: _Optional[str] = ..., side: _Optional[_Union[TradeSide, str]] = ..., price: _Optional[str] = ..., quantity: _Optional[str] = ..., status: _Optional[_Union[TradeStatus, str]] = ..., venue: _Optional[_Union[TradeVenue, str]] = ..., account_id: _Optional[str] = ..., position_id: _Optional[str] = ..., signal_id: _Optional[str] = ..., executed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., order_type: _Optional[_Union[TradeOrderType, str]] = ..., stop_loss: _Optional[str] = ..., take_profit: _Optional[str] = ...) -> None: ...

class PositionClosed(_message.Message):
    __slots__ = ("position_id", "user_id", "symbol", "side", "entry_price", "exit_price", "quantity", "pnl", "reason", "venue", "account_id", "closed_at")
    POSITION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    ENTRY_PRICE_FIELD_NUMBER: _ClassVar[int]
    EXIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PNL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VENUE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    position_id: str
    user_id: str
    symbol: str
    side: TradeSide
    entry_price: str
    exit_price: str
    quantity: str
    pnl: _money_pb2.Money
    reason: PositionCloseReason
    venue: TradeVenue
    account_id: str
    closed_at: _timestamp_pb2.Timestamp
    def __init__(self, position_id: _Optional[str] = ..., user_id: _Optional[str] = ..., symbol: _Optional[str] = ..., side: _Optional[_Union[TradeSide, str]] = ..., entry_price: _Optional[str] = ..., exit_price: _Optional[str] = ..., quantity: _Optional[str] = ..., pnl: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[_Union[PositionCloseReason, str]] = ..., venue: _Optional[_Union[TradeVenue, str]] = ..., account_id: _Optional[str] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubscriptionActivated(_message.Message):
    __slots__ = ("user_id", "plan", "subscription_id", "current_period_end")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    plan: str
    subscription_id: str
    current_period_end: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., plan: _Optional[str] = ..., subscription_id: _Optional[str] = ..., current_period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class InvestorModeChanged(_message.Message):
    __slots__ = ("user_id", "account_id", "paused", "reason", "changed_at")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    account_id: str
    paused: bool
    reason: str
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., account_id: _Optional[str] = ..., paused: _Optional[bool] = ..., reason: _Optional[str] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LlmResponseChunk(_message.Message):
    __slots__ = ("conversation_id", "message_id", "chunk", "index", "done", "response")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    message_id: str
    chunk: str
    index: int
    done: bool
    response: _agent_messages_pb2.ChatResponse
    def __init__(self, conversation_id: _Optional[str] = ..., message_id: _Optional[str] = ..., chunk: _Optional[str] = ..., index: _Optional[int] = ..., done: _Optional[bool] = ..., response: _Optional[_Union[_agent_messages_pb2.ChatResponse, _Mapping]] = ...) -> None: ...
