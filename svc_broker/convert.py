"""Broker views to and from the contract's messages."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from trading.broker.v1 import broker_messages_pb2 as pb
from trading.common.v1.money_pb2 import Money

from core.convert import optional_timestamp
from core.db import decimal_str
from core.errors import InvalidArgument
from svc_broker import values
from svc_broker.broker import UNCHANGED, AccountView, ExecutionReport, OrderRequest, OrderView, PositionView
from svc_broker.values import AmountUnit, OrderType, Side, Symbol, TimeInForce

SIDE_IN = {pb.ORDER_SIDE_BUY: Side.BUY, pb.ORDER_SIDE_SELL: Side.SELL}
SIDE_OUT: dict[str, pb.OrderSide] = {v: k for k, v in SIDE_IN.items()}
TYPE_IN = {
    pb.ORDER_TYPE_UNSPECIFIED: OrderType.MARKET,
    pb.ORDER_TYPE_MARKET: OrderType.MARKET,
    pb.ORDER_TYPE_LIMIT: OrderType.LIMIT,
    pb.ORDER_TYPE_STOP: OrderType.STOP,
}
TYPE_OUT: dict[str, pb.OrderType] = {
    OrderType.MARKET: pb.ORDER_TYPE_MARKET,
    OrderType.LIMIT: pb.ORDER_TYPE_LIMIT,
    OrderType.STOP: pb.ORDER_TYPE_STOP,
}
TIF_IN = {
    pb.TIME_IN_FORCE_UNSPECIFIED: TimeInForce.GTC,
    pb.TIME_IN_FORCE_GTC: TimeInForce.GTC,
    pb.TIME_IN_FORCE_IOC: TimeInForce.IOC,
    pb.TIME_IN_FORCE_DAY: TimeInForce.DAY,
}
TIF_OUT: dict[str, pb.TimeInForce] = {
    TimeInForce.GTC: pb.TIME_IN_FORCE_GTC,
    TimeInForce.IOC: pb.TIME_IN_FORCE_IOC,
    TimeInForce.DAY: pb.TIME_IN_FORCE_DAY,
}
UNIT_IN = {
    pb.AMOUNT_UNIT_UNSPECIFIED: AmountUnit.UNITS,
    pb.AMOUNT_UNIT_UNITS: AmountUnit.UNITS,
    pb.AMOUNT_UNIT_LOTS: AmountUnit.LOTS,
}
E = TypeVar("E", bound=StrEnum)
# CreateOrderRequest's fields where the domain (OrderRequest) names them otherwise.
ORDER_FIELDS = {"unit": "amount_unit"}
ORDER_STATUS = {
    "pending": pb.ORDER_STATUS_PENDING,
    "filled": pb.ORDER_STATUS_FILLED,
    "cancelled": pb.ORDER_STATUS_CANCELLED,
    "rejected": pb.ORDER_STATUS_REJECTED,
    "expired": pb.ORDER_STATUS_EXPIRED,
}
ORDER_STATUS_IN = {v: k for k, v in ORDER_STATUS.items()}
POSITION_STATUS_IN = {
    pb.POSITION_STATUS_UNSPECIFIED: "open",
    pb.POSITION_STATUS_OPEN: "open",
    pb.POSITION_STATUS_CLOSED: "closed",
}
REASON = {
    "order": pb.TRADE_REASON_ORDER,
    "stop_loss": pb.TRADE_REASON_STOP_LOSS,
    "take_profit": pb.TRADE_REASON_TAKE_PROFIT,
    "close": pb.TRADE_REASON_CLOSE,
    "stop_out": pb.TRADE_REASON_STOP_OUT,
}


def decimal_in(text: str, field: str) -> Decimal | None:
    """An optional exact decimal field: empty is None."""
    return values.decimal(text, field)


def price_in(text: str, field: str) -> Decimal | None:
    """An optional positive price field: empty is None."""
    return values.price(text, field)


def protection_in(text: str, field: str) -> Decimal | None:
    """A stop loss or take profit in a modify call: empty keeps it (UNCHANGED), "0" removes it (None)."""
    value = decimal_in(text, field)
    if value is None:
        return UNCHANGED
    return None if value == 0 else value


def order_request(req: pb.CreateOrderRequest) -> OrderRequest:
    return OrderRequest(
        symbol=Symbol(req.symbol),
        side=_enum_in(SIDE_IN, req.side, "side"),
        amount=values.quantity(req.amount, "amount"),
        unit=_enum_in(UNIT_IN, req.amount_unit, "amount_unit"),
        type=_enum_in(TYPE_IN, req.type, "type"),
        limit_price=decimal_in(req.limit_price, "limit_price"),
        stop_price=decimal_in(req.stop_price, "stop_price"),
        stop_loss=decimal_in(req.stop_loss, "stop_loss"),
        take_profit=decimal_in(req.take_profit, "take_profit"),
        time_in_force=_enum_in(TIF_IN, req.time_in_force, "time_in_force"),
        client_order_id=req.client_order_id or None,
    )


def _enum_in(table: Mapping[Any, E], value: int, field: str) -> E:
    """A contract enum as its value type; a number the contract does not define is refused."""
    if value not in table:
        raise InvalidArgument(f"{field} is not one of its values", violations=[(field, "unknown value")])
    return table[value]


def _text(value: Decimal | None) -> str:
    return decimal_str(value) if value is not None else ""


def money(minor: int, currency: str) -> Money:
    return Money(currency=currency, minor_units=minor)


def order_out(o: OrderView) -> pb.Order:
    return pb.Order(
        order_id=o.order_id,
        client_order_id=o.client_order_id or "",
        symbol=o.symbol,
        side=SIDE_OUT[o.side],
        type=TYPE_OUT[o.type],
        time_in_force=TIF_OUT[o.time_in_force],
        quantity=decimal_str(o.quantity),
        lots=decimal_str(o.lots),
        limit_price=_text(o.limit_price),
        stop_price=_text(o.stop_price),
        stop_loss=_text(o.stop_loss),
        take_profit=_text(o.take_profit),
        status=ORDER_STATUS[o.status],
        fill_price=_text(o.fill_price),
        reject_reason=o.reject_reason or "",
        create_time=optional_timestamp(o.created_at),
        update_time=optional_timestamp(o.updated_at),
        fill_time=optional_timestamp(o.filled_at),
        expire_time=optional_timestamp(o.expires_at),
    )


def position_out(p: PositionView) -> pb.Position:
    return pb.Position(
        position_id=p.position_id,
        symbol=p.symbol,
        side=pb.POSITION_SIDE_LONG if p.side == "long" else pb.POSITION_SIDE_SHORT,
        quantity=decimal_str(p.quantity),
        average_price=decimal_str(p.entry_price),
        current_price=_text(p.current_price),
        unrealized_pnl=money(p.unrealized_pnl_minor, p.currency),
        realized_pnl=money(p.realized_pnl_minor, p.currency),
        margin=money(p.margin_minor, p.currency),
        stop_loss=_text(p.stop_loss),
        take_profit=_text(p.take_profit),
        status=pb.POSITION_STATUS_OPEN if p.status == "open" else pb.POSITION_STATUS_CLOSED,
        open_time=optional_timestamp(p.opened_at),
        close_time=optional_timestamp(p.closed_at),
    )


def trade_out(t: ExecutionReport) -> pb.Trade:
    return pb.Trade(
        trade_id=t.trade_id,
        order_id=t.order_id or "",
        position_id=t.position_id,
        symbol=t.symbol,
        side=SIDE_OUT[t.side],
        quantity=decimal_str(t.quantity),
        price=decimal_str(t.price),
        realized_pnl=money(t.realized_pnl_minor, t.currency),
        reason=REASON[t.reason],
        execute_time=optional_timestamp(t.executed_at),
        written_off=money(t.written_off_minor, t.currency),
    )


def account_out(a: AccountView) -> pb.Account:
    return pb.Account(
        account_id=a.account_id,
        balance=money(a.balance_minor, a.currency),
        equity=money(a.equity_minor, a.currency),
        margin=money(a.margin_minor, a.currency),
        free_margin=money(a.free_margin_minor, a.currency),
        margin_level_percent=_text(a.margin_level_percent),
        margin_call=a.margin_call,
        initial_balance=money(a.initial_balance_minor, a.currency),
        create_time=optional_timestamp(a.created_at),
        reset_time=optional_timestamp(a.reset_at),
    )
