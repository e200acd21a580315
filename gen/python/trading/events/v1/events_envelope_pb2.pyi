import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from trading.events.v1 import events_payloads_pb2 as _events_payloads_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Event(_message.Message):
    __slots__ = ("id", "type", "channel", "occurred_at", "producer", "traceparent", "price_update", "ml_signal_new", "trade_executed", "position_closed", "subscription_activated", "llm_response_chunk", "investor_mode_changed")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    PRODUCER_FIELD_NUMBER: _ClassVar[int]
    TRACEPARENT_FIELD_NUMBER: _ClassVar[int]
    PRICE_UPDATE_FIELD_NUMBER: _ClassVar[int]
    ML_SIGNAL_NEW_FIELD_NUMBER: _ClassVar[int]
    TRADE_EXECUTED_FIELD_NUMBER: _ClassVar[int]
    POSITION_CLOSED_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ACTIVATED_FIELD_NUMBER: _ClassVar[int]
    LLM_RESPONSE_CHUNK_FIELD_NUMBER: _ClassVar[int]
    INVESTOR_MODE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    channel: str
    occurred_at: _timestamp_pb2.Timestamp
    producer: str
    traceparent: str
    price_update: _events_payloads_pb2.PriceUpdate
    ml_signal_new: _events_payloads_pb2.MlSignalNew
    trade_executed: _events_payloads_pb2.TradeExecuted
    position_closed: _events_payloads_pb2.PositionClosed
    subscription_activated: _events_payloads_pb2.SubscriptionActivated
    llm_response_chunk: _events_payloads_pb2.LlmResponseChunk
    investor_mode_changed: _events_payloads_pb2.InvestorModeChanged
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., channel: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., producer: _Optional[str] = ..., traceparent: _Optional[str] = ..., price_update: _Optional[_Union[_events_payloads_pb2.PriceUpdate, _Mapping]] = ..., ml_signal_new: _Optional[_Union[_events_payloads_pb2.MlSignalNew, _Mapping]] = ..., trade_executed: _Optional[_Union[_events_payloads_pb2.TradeExecuted, _Mapping]] = ..., position_closed: _Optional[_Union[_events_payloads_pb2.PositionClosed, _Mapping]] = ..., subscription_activated: _Optional[_Union[_events_payloads_pb2.SubscriptionActivated, _Mapping]] = ..., llm_response_chunk: _Optional[_Union[_events_payloads_pb2.LlmResponseChunk, _Mapping]] = ..., investor_mode_changed: _Optional[_Union[_events_payloads_pb2.InvestorModeChanged, _Mapping]] = ...) -> None: ...
