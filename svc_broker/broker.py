"""The broker interface: what any venue (the paper simulator, MetaAPI later) does for an account.

Plain Python values in and out, no gRPC or database types, so the servicer, trading agents and
the contract tests talk to every implementation the same way. Failures are `core.errors`
exceptions with stable reasons (`UNKNOWN_SYMBOL`, `MARKET_CLOSED`, `INSUFFICIENT_MARGIN`,
`INVALID_STOP_LOSS`, `INVALID_TAKE_PROFIT`, `AMOUNT_OUT_OF_RANGE`, `ORDER_NOT_PENDING`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from svc_broker.values import AmountUnit, OrderType, Side, Symbol, TimeInForce, price, quantity

T = TypeVar("T")

# Keeps a field unchanged in `modify_*` calls (None removes a stop loss or take profit).
UNCHANGED: Decimal = Decimal("NaN")


@dataclass(frozen=True)
class OrderRequest:
    """A new order. `amount` counts `unit`. Plain strings are accepted for the vocabulary and
    checked here, once: a request that exists is well-formed (INVALID_ARGUMENT otherwise)."""

    symbol: Symbol
    side: Side
    amount: Decimal
    unit: AmountUnit = AmountUnit.UNITS
    type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    client_order_id: str | None = None

    def __post_init__(self) -> None:
        checked = {
            "symbol": Symbol(self.symbol),
            "side": Side.parse(self.side, "side"),
            "amount": quantity(self.amount, "amount"),
            "unit": AmountUnit.parse(self.unit, "unit"),
            "type": OrderType.parse(self.type, "type"),
            "time_in_force": TimeInForce.parse(self.time_in_force, "time_in_force"),
            **{
                f: price(getattr(self, f), f)
                for f in ("limit_price", "stop_price", "stop_loss", "take_profit")
            },
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class OrderView:
    order_id: str
    client_order_id: str | None
    symbol: str
    side: str
    type: str
    time_in_force: str
    quantity: Decimal
    lots: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None
    stop_loss: Decimal | None
    take_profit: Decimal | None
    status: str  # "pending", "filled", "cancelled", "rejected", "expired"
    fill_price: Decimal | None
    reject_reason: str | None
    created_at: datetime
    updated_at: datetime
    filled_at: datetime | None
    expires_at: datetime | None


@dataclass(frozen=True)
class PositionView:
    position_id: str
    symbol: str
    side: str  # "long", "short"
    quantity: Decimal
    entry_price: Decimal
    current_price: Decimal | None  # None without a quote
    unrealized_pnl_minor: int
    realized_pnl_minor: int
    margin_minor: int
    stop_loss: Decimal | None
    take_profit: Decimal | None
    status: str  # "open", "closed"
    opened_at: datetime
    closed_at: datetime | None
    currency: str


@dataclass(frozen=True)
class AccountView:
    account_id: str
    currency: str
    balance_minor: int
    equity_minor: int
    margin_minor: int
    free_margin_minor: int
    margin_level_percent: Decimal | None  # None without open positions
    margin_call: bool
    initial_balance_minor: int
    created_at: datetime
    reset_at: datetime | None


@dataclass(frozen=True)
class ExecutionReport:
    """One fill."""

    trade_id: str
    order_id: str | None
    position_id: str
    symbol: str
    side: str
    quantity: Decimal
    price: Decimal
    realized_pnl_minor: int
    reason: str  # "order", "stop_loss", "take_profit", "close", "stop_out"
    executed_at: datetime
    currency: str
    written_off_minor: int = 0  # the loss beyond the balance the venue took (negative-balance protection)


@dataclass(frozen=True)
class CloseResult:
    position: PositionView
    trade: ExecutionReport


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str  # empty on the last page


class Broker(Protocol):
    """A venue holding one account per `account` key (the user id for paper accounts)."""

    async def place_order(self, account: str, request: OrderRequest) -> OrderView: ...

    async def modify_order(
        self,
        account: str,
        order_id: str,
        *,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        stop_loss: Decimal | None = UNCHANGED,
        take_profit: Decimal | None = UNCHANGED,
    ) -> OrderView: ...

    async def cancel_order(self, account: str, order_id: str) -> OrderView: ...

    async def get_order(self, account: str, order_id: str) -> OrderView: ...

    async def list_orders(
        self,
        account: str,
        *,
        status: str | None = None,
        symbol: str | None = None,
        page_size: int = 0,
        page_token: str = "",
    ) -> Page[OrderView]: ...

    async def positions(
        self, account: str, *, status: str = "open", page_size: int = 0, page_token: str = ""
    ) -> Page[PositionView]: ...

    async def get_position(self, account: str, position_id: str) -> PositionView: ...

    async def close_position(
        self, account: str, position_id: str, quantity: Decimal | None = None
    ) -> CloseResult: ...

    async def modify_position(
        self,
        account: str,
        position_id: str,
        *,
        stop_loss: Decimal | None = UNCHANGED,
        take_profit: Decimal | None = UNCHANGED,
    ) -> PositionView: ...

    async def account_state(self, account: str) -> AccountView: ...

    async def execution_reports(
        self, account: str, *, symbol: str | None = None, page_size: int = 0, page_token: str = ""
    ) -> Page[ExecutionReport]: ...
