"""Order checks that need the symbol or the market: size limits, prices present, SL/TP on the
right side. The shape of a request (vocabulary, positive numbers) is checked by its value types.

Violations name the domain's own fields (OrderRequest's attributes, the broker's parameters); the
servicer's convert layer renames them to the contract's fields where the two differ."""

from __future__ import annotations

from decimal import Decimal

from core.errors import InvalidArgument
from svc_broker import pricing
from svc_broker.broker import OrderRequest
from svc_broker.market import Quote, SymbolSpec


def _invalid(field: str, message: str, reason: str) -> InvalidArgument:
    return InvalidArgument(message, reason=reason, violations=[(field, message)])


def check_order_request(request: OrderRequest, units: Decimal, spec: SymbolSpec) -> None:
    if not pricing.amount_within_limits(units, spec):
        raise _invalid(
            "amount",
            f"{spec.symbol} trades {spec.min_units} to {spec.max_units} units in steps of {spec.unit_step}",
            "AMOUNT_OUT_OF_RANGE",
        )
    if request.type == "limit" and not _positive(request.limit_price):
        raise _invalid("limit_price", "a limit order needs a positive limit price", "MISSING_LIMIT_PRICE")
    if request.type == "stop" and not _positive(request.stop_price):
        raise _invalid("stop_price", "a stop order needs a positive stop price", "MISSING_STOP_PRICE")


def check_close_quantity(amount: Decimal, open_quantity: Decimal, spec: SymbolSpec) -> None:
    """A partial close obeys the symbol's step and minimum, and leaves nothing or at least the
    minimum open; closing everything that is open is always allowed."""
    if amount == open_quantity:
        return
    remainder = open_quantity - amount
    on_step = (amount / spec.unit_step) == (amount / spec.unit_step).to_integral_value()
    if amount < spec.min_units or not on_step or remainder < spec.min_units:
        raise _invalid(
            "quantity",
            f"close at least {spec.min_units} units in steps of {spec.unit_step}, "
            f"leaving nothing or at least {spec.min_units} open",
            "CLOSE_QUANTITY_OUT_OF_RANGE",
        )


def check_protection(
    side: str, entry: Decimal, stop_loss: Decimal | None, take_profit: Decimal | None
) -> None:
    """A buy's SL is below its entry and its TP above; a sell's the other way round."""
    if stop_loss is not None and (stop_loss >= entry if side == "buy" else stop_loss <= entry):
        where = "below" if side == "buy" else "above"
        raise _invalid("stop_loss", f"a {side}'s stop loss must be {where} {entry}", "INVALID_STOP_LOSS")
    if take_profit is not None and (take_profit <= entry if side == "buy" else take_profit >= entry):
        where = "above" if side == "buy" else "below"
        raise _invalid(
            "take_profit", f"a {side}'s take profit must be {where} {entry}", "INVALID_TAKE_PROFIT"
        )


def check_stop_price(side: str, stop_price: Decimal | None, quote: Quote) -> None:
    """A buy stop waits above the ask, a sell stop below the bid (otherwise use a market order)."""
    assert stop_price is not None
    if side == "buy" and stop_price <= quote.ask:
        raise _invalid("stop_price", f"a buy stop must be above the ask {quote.ask}", "INVALID_STOP_PRICE")
    if side == "sell" and stop_price >= quote.bid:
        raise _invalid("stop_price", f"a sell stop must be below the bid {quote.bid}", "INVALID_STOP_PRICE")


def check_positive(name: str, value: Decimal | None) -> None:
    """A price given (not None) is above zero."""
    if value is not None and value <= 0:
        raise _invalid(name, f"{name} must be positive", f"INVALID_{name.upper()}")


def _positive(value: Decimal | None) -> bool:
    return value is not None and value > 0
