import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from trading.common.v1 import money_pb2 as _money_pb2
from trading.common.v1 import paging_pb2 as _paging_pb2
from trading.common.v1 import symbol_pb2 as _symbol_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrderSide(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_SIDE_UNSPECIFIED: _ClassVar[OrderSide]
    ORDER_SIDE_BUY: _ClassVar[OrderSide]
    ORDER_SIDE_SELL: _ClassVar[OrderSide]
    buy: _ClassVar[OrderSide]
    sell: _ClassVar[OrderSide]

class OrderType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_TYPE_UNSPECIFIED: _ClassVar[OrderType]
    ORDER_TYPE_MARKET: _ClassVar[OrderType]
    ORDER_TYPE_LIMIT: _ClassVar[OrderType]
    ORDER_TYPE_STOP: _ClassVar[OrderType]
    market: _ClassVar[OrderType]
    limit: _ClassVar[OrderType]
    stop: _ClassVar[OrderType]

class TimeInForce(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIME_IN_FORCE_UNSPECIFIED: _ClassVar[TimeInForce]
    TIME_IN_FORCE_GTC: _ClassVar[TimeInForce]
    TIME_IN_FORCE_IOC: _ClassVar[TimeInForce]
    TIME_IN_FORCE_DAY: _ClassVar[TimeInForce]
    gtc: _ClassVar[TimeInForce]
    ioc: _ClassVar[TimeInForce]
    day: _ClassVar[TimeInForce]

class AmountUnit(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AMOUNT_UNIT_UNSPECIFIED: _ClassVar[AmountUnit]
    AMOUNT_UNIT_UNITS: _ClassVar[AmountUnit]
    AMOUNT_UNIT_LOTS: _ClassVar[AmountUnit]
    units: _ClassVar[AmountUnit]
    lots: _ClassVar[AmountUnit]

class OrderStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_STATUS_UNSPECIFIED: _ClassVar[OrderStatus]
    ORDER_STATUS_PENDING: _ClassVar[OrderStatus]
    ORDER_STATUS_FILLED: _ClassVar[OrderStatus]
    ORDER_STATUS_CANCELLED: _ClassVar[OrderStatus]
    ORDER_STATUS_REJECTED: _ClassVar[OrderStatus]
    ORDER_STATUS_EXPIRED: _ClassVar[OrderStatus]

class PositionSide(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POSITION_SIDE_UNSPECIFIED: _ClassVar[PositionSide]
    POSITION_SIDE_LONG: _ClassVar[PositionSide]
    POSITION_SIDE_SHORT: _ClassVar[PositionSide]

class PositionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POSITION_STATUS_UNSPECIFIED: _ClassVar[PositionStatus]
    POSITION_STATUS_OPEN: _ClassVar[PositionStatus]
    POSITION_STATUS_CLOSED: _ClassVar[PositionStatus]

class TradeReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRADE_REASON_UNSPECIFIED: _ClassVar[TradeReason]
    TRADE_REASON_ORDER: _ClassVar[TradeReason]
    TRADE_REASON_STOP_LOSS: _ClassVar[TradeReason]
    TRADE_REASON_TAKE_PROFIT: _ClassVar[TradeReason]
    TRADE_REASON_CLOSE: _ClassVar[TradeReason]
    TRADE_REASON_STOP_OUT: _ClassVar[TradeReason]
ORDER_SIDE_UNSPECIFIED: OrderSide
ORDER_SIDE_BUY: OrderSide
ORDER_SIDE_SELL: OrderSide
buy: OrderSide
sell: OrderSide
ORDER_TYPE_UNSPECIFIED: OrderType
ORDER_TYPE_MARKET: OrderType
ORDER_TYPE_LIMIT: OrderType
ORDER_TYPE_STOP: OrderType
market: OrderType
limit: OrderType
stop: OrderType
TIME_IN_FORCE_UNSPECIFIED: TimeInForce
TIME_IN_FORCE_GTC: TimeInForce
TIME_IN_FORCE_IOC: TimeInForce
TIME_IN_FORCE_DAY: TimeInForce
gtc: TimeInForce
ioc: TimeInForce
day: TimeInForce
AMOUNT_UNIT_UNSPECIFIED: AmountUnit
AMOUNT_UNIT_UNITS: AmountUnit
AMOUNT_UNIT_LOTS: AmountUnit
units: AmountUnit
lots: AmountUnit
ORDER_STATUS_UNSPECIFIED: OrderStatus
ORDER_STATUS_PENDING: OrderStatus
ORDER_STATUS_FILLED: OrderStatus
ORDER_STATUS_CANCELLED: OrderStatus
ORDER_STATUS_REJECTED: OrderStatus
ORDER_STATUS_EXPIRED: OrderStatus
POSITION_SIDE_UNSPECIFIED: PositionSide
POSITION_SIDE_LONG: PositionSide
POSITION_SIDE_SHORT: PositionSide
POSITION_STATUS_UNSPECIFIED: PositionStatus
POSITION_STATUS_OPEN: PositionStatus
POSITION_STATUS_CLOSED: PositionStatus
TRADE_REASON_UNSPECIFIED: TradeReason
TRADE_REASON_ORDER: TradeReason
TRADE_REASON_STOP_LOSS: TradeReason
TRADE_REASON_TAKE_PROFIT: TradeReason
TRADE_REASON_CLOSE: TradeReason
TRADE_REASON_STOP_OUT: TradeReason

class Order(_message.Message):
    __slots__ = ("order_id", "client_order_id", "symbol", "side", "type", "time_in_force", "quantity", "lots", "limit_price", "stop_price", "stop_loss", "take_profit", "status", "fill_price", "reject_reason", "create_time", "update_time", "fill_time", "expire_time")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TIME_IN_FORCE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    STOP_PRICE_FIELD_NUMBER: _ClassVar[int]
    STOP_LOSS_FIELD_NUMBER: _ClassVar[int]
    TAKE_PROFIT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FILL_PRICE_FIELD_NUMBER: _ClassVar[int]
    REJECT_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    FILL_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    client_order_id: str
    symbol: str
    side: OrderSide
    type: OrderType
    time_in_force: TimeInForce
    quantity: str
    lots: str
    limit_price: str
    stop_price: str
    stop_loss: str
    take_profit: str
    status: OrderStatus
    fill_price: str
    reject_reason: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    fill_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., client_order_id: _Optional[str] = ..., symbol: _Optional[str] = ..., side: _Optional[_Union[OrderSide, str]] = ..., type: _Optional[_Union[OrderType, str]] = ..., time_in_force: _Optional[_Union[TimeInForce, str]] = ..., quantity: _Optional[str] = ..., lots: _Optional[str] = ..., limit_price: _Optional[str] = ..., stop_price: _Optional[str] = ..., stop_loss: _Optional[str] = ..., take_profit: _Optional[str] = ..., status: _Optional[_Union[OrderStatus, str]] = ..., fill_price: _Optional[str] = ..., reject_reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fill_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Position(_message.Message):
    __slots__ = ("position_id", "symbol", "side", "quantity", "average_price", "current_price", "unrealized_pnl", "realized_pnl", "margin", "stop_loss", "take_profit", "status", "open_time", "close_time")
    POSITION_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_PRICE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PRICE_FIELD_NUMBER: _ClassVar[int]
    UNREALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    REALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    STOP_LOSS_FIELD_NUMBER: _ClassVar[int]
    TAKE_PROFIT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OPEN_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    position_id: str
    symbol: str
    side: PositionSide
    quantity: str
    average_price: str
    current_price: str
    unrealized_pnl: _money_pb2.Money
    realized_pnl: _money_pb2.Money
    margin: _money_pb2.Money
    stop_loss: str
    take_profit: str
    status: PositionStatus
    open_time: _timestamp_pb2.Timestamp
    close_time: _timestamp_pb2.Timestamp
    def __init__(self, position_id: _Optional[str] = ..., symbol: _Optional[str] = ..., side: _Optional[_Union[PositionSide, str]] = ..., quantity: _Optional[str] = ..., average_price: _Optional[str] = ..., current_price: _Optional[str] = ..., unrealized_pnl: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., realized_pnl: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., margin: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., stop_loss: _Optional[str] = ..., take_profit: _Optional[str] = ..., status: _Optional[_Union[PositionStatus, str]] = ..., open_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Trade(_message.Message):
    __slots__ = ("trade_id", "order_id", "position_id", "symbol", "side", "quantity", "price", "realized_pnl", "reason", "execute_time", "written_off")
    TRADE_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    REALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EXECUTE_TIME_FIELD_NUMBER: _ClassVar[int]
    WRITTEN_OFF_FIELD_NUMBER: _ClassVar[int]
    trade_id: str
    order_id: str
    position_id: str
    symbol: str
    side: OrderSide
    quantity: str
    price: str
    realized_pnl: _money_pb2.Money
    reason: TradeReason
    execute_time: _timestamp_pb2.Timestamp
    written_off: _money_pb2.Money
    def __init__(self, trade_id: _Optional[str] = ..., order_id: _Optional[str] = ..., position_id: _Optional[str] = ..., symbol: _Optional[str] = ..., side: _Optional[_Union[OrderSide, str]] = ..., quantity: _Optional[str] = ..., price: _Optional[str] = ..., realized_pnl: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[_Union[TradeReason, str]] = ..., execute_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., written_off: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("account_id", "balance", "equity", "margin", "free_margin", "margin_level_percent", "margin_call", "initial_balance", "create_time", "reset_time")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    EQUITY_FIELD_NUMBER: _ClassVar[int]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    FREE_MARGIN_FIELD_NUMBER: _ClassVar[int]
    MARGIN_LEVEL_PERCENT_FIELD_NUMBER: _ClassVar[int]
    MARGIN_CALL_FIELD_NUMBER: _ClassVar[int]
    INITIAL_BALANCE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESET_TIME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    balance: _money_pb2.Money
    equity: _money_pb2.Money
    margin: _money_pb2.Money
    free_margin: _money_pb2.Money
    margin_level_percent: str
    margin_call: bool
    initial_balance: _money_pb2.Money
    create_time: _timestamp_pb2.Timestamp
    reset_time: _timestamp_pb2.Timestamp
    def __init__(self, account_id: _Optional[str] = ..., balance: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., equity: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., margin: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., free_margin: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., margin_level_percent: _Optional[str] = ..., margin_call: _Optional[bool] = ..., initial_balance: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reset_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateOrderRequest(_message.Message):
    __slots__ = ("symbol", "side", "amount", "amount_unit", "type", "limit_price", "stop_price", "stop_loss", "take_profit", "time_in_force", "client_order_id")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_UNIT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    STOP_PRICE_FIELD_NUMBER: _ClassVar[int]
    STOP_LOSS_FIELD_NUMBER: _ClassVar[int]
    TAKE_PROFIT_FIELD_NUMBER: _ClassVar[int]
    TIME_IN_FORCE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    side: OrderSide
    amount: str
    amount_unit: AmountUnit
    type: OrderType
    limit_price: str
    stop_price: str
    stop_loss: str
    take_profit: str
    time_in_force: TimeInForce
    client_order_id: str
    def __init__(self, symbol: _Optional[str] = ..., side: _Optional[_Union[OrderSide, str]] = ..., amount: _Optional[str] = ..., amount_unit: _Optional[_Union[AmountUnit, str]] = ..., type: _Optional[_Union[OrderType, str]] = ..., limit_price: _Optional[str] = ..., stop_price: _Optional[str] = ..., stop_loss: _Optional[str] = ..., take_profit: _Optional[str] = ..., time_in_force: _Optional[_Union[TimeInForce, str]] = ..., client_order_id: _Optional[str] = ...) -> None: ...

class CreateOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: Order
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ...) -> None: ...

class GetOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class GetOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: Order
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ...) -> None: ...

class ListOrdersRequest(_message.Message):
    __slots__ = ("status", "symbol", "page")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    status: OrderStatus
    symbol: str
    page: _paging_pb2.PageRequest
    def __init__(self, status: _Optional[_Union[OrderStatus, str]] = ..., symbol: _Optional[str] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListOrdersResponse(_message.Message):
    __slots__ = ("orders", "page")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    page: _paging_pb2.PageResponse
    def __init__(self, orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class CancelOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class CancelOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: Order
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ...) -> None: ...

class ModifyOrderRequest(_message.Message):
    __slots__ = ("order_id", "limit_price", "stop_price", "stop_loss", "take_profit")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    STOP_PRICE_FIELD_NUMBER: _ClassVar[int]
    STOP_LOSS_FIELD_NUMBER: _ClassVar[int]
    TAKE_PROFIT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    limit_price: str
    stop_price: str
    stop_loss: str
    take_profit: str
    def __init__(self, order_id: _Optional[str] = ..., limit_price: _Optional[str] = ..., stop_price: _Optional[str] = ..., stop_loss: _Optional[str] = ..., take_profit: _Optional[str] = ...) -> None: ...

class ModifyOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: Order
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ...) -> None: ...

class ListPositionsRequest(_message.Message):
    __slots__ = ("status", "page")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    status: PositionStatus
    page: _paging_pb2.PageRequest
    def __init__(self, status: _Optional[_Union[PositionStatus, str]] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListPositionsResponse(_message.Message):
    __slots__ = ("positions", "page")
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    positions: _containers.RepeatedCompositeFieldContainer[Position]
    page: _paging_pb2.PageResponse
    def __init__(self, positions: _Optional[_Iterable[_Union[Position, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetPositionRequest(_message.Message):
    __slots__ = ("position_id",)
    POSITION_ID_FIELD_NUMBER: _ClassVar[int]
    position_id: str
    def __init__(self, position_id: _Optional[str] = ...) -> None: ...

class GetPositionResponse(_message.Message):
    __slots__ = ("position",)
    POSITION_FIELD_NUMBER: _ClassVar[int]
    position: Position
    def __init__(self, position: _Optional[_Union[Position, _Mapping]] = ...) -> None: ...

class ClosePositionRequest(_message.Message):
    __slots__ = ("position_id", "quantity")
    POSITION_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    position_id: str
    quantity: str
    def __init__(self, position_id: _Optional[str] = ..., quantity: _Optional[str] = ...) -> None: ...

class ClosePositionResponse(_message.Message):
    __slots__ = ("position", "trade")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TRADE_FIELD_NUMBER: _ClassVar[int]
    position: Position
    trade: Trade
    def __init__(self, position: _Optional[_Union[Position, _Mapping]] = ..., trade: _Optional[_Union[Trade, _Mapping]] = ...) -> None: ...

class ModifyPositionRequest(_message.Message):
    __slots__ = ("position_id", "stop_loss", "take_profit")
    POSITION_ID_FIELD_NUMBER: _ClassVar[int]
    STOP_LOSS_FIELD_NUMBER: _ClassVar[int]
    TAKE_PROFIT_FIELD_NUMBER: _ClassVar[int]
    position_id: str
    stop_loss: str
    take_profit: str
    def __init__(self, position_id: _Optional[str] = ..., stop_loss: _Optional[str] = ..., take_profit: _Optional[str] = ...) -> None: ...

class ModifyPositionResponse(_message.Message):
    __slots__ = ("position",)
    POSITION_FIELD_NUMBER: _ClassVar[int]
    position: Position
    def __init__(self, position: _Optional[_Union[Position, _Mapping]] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetAccountResponse(_message.Message):
    __slots__ = ("account",)
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: Account
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class ResetAccountRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResetAccountResponse(_message.Message):
    __slots__ = ("account",)
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: Account
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class ListTradesRequest(_message.Message):
    __slots__ = ("symbol", "page")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    page: _paging_pb2.PageRequest
    def __init__(self, symbol: _Optional[str] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListTradesResponse(_message.Message):
    __slots__ = ("trades", "page")
    TRADES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    trades: _containers.RepeatedCompositeFieldContainer[Trade]
    page: _paging_pb2.PageResponse
    def __init__(self, trades: _Optional[_Iterable[_Union[Trade, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...
