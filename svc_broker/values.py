"""The trading vocabulary as value types, checked once where a value enters the domain.

Each enum is a `StrEnum`, so it stores and compares as its plain name ("buy", "limit"); `parse`
accepts the name in any case and raises INVALID_ARGUMENT naming the field for anything else.
`Symbol` is an instrument code in its one canonical (upper-case) spelling.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Self

from core.errors import InvalidArgument


class _Vocabulary(StrEnum):
    @classmethod
    def parse(cls, value: str, field: str) -> Self:
        try:
            return cls(value.lower() if isinstance(value, str) else value)
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise InvalidArgument(
                f"{field} must be one of {allowed}",
                reason=f"INVALID_{field.upper()}",
                violations=[(field, f"must be one of {allowed}")],
            ) from None


class Side(_Vocabulary):
    BUY = "buy"
    SELL = "sell"


class OrderType(_Vocabulary):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"


class TimeInForce(_Vocabulary):
    GTC = "gtc"
    IOC = "ioc"
    DAY = "day"


class AmountUnit(_Vocabulary):
    UNITS = "units"
    LOTS = "lots"


class OrderStatus(_Vocabulary):
    PENDING = "pending"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"


class PositionStatus(_Vocabulary):
    OPEN = "open"
    CLOSED = "closed"


class Symbol(str):
    """An instrument code: ASCII letters, digits and dots, 1 to 32 long, upper case."""

    __slots__ = ()

    def __new__(cls, value: str, field: str = "symbol") -> Symbol:
        if isinstance(value, Symbol):
            return value
        code = value.strip().upper() if isinstance(value, str) else ""
        if not (0 < len(code) <= 32 and code.isascii() and code.replace(".", "").isalnum()):
            raise InvalidArgument(
                f"{field} is not a symbol", reason="UNKNOWN_SYMBOL", violations=[(field, "not a symbol")]
            )
        return super().__new__(cls, code)


def quantity(value: Decimal | str, field: str = "amount") -> Decimal:
    """A positive, finite exact quantity."""
    number = decimal(value, field)
    if number is None or number <= 0:
        raise InvalidArgument(f"{field} must be positive", violations=[(field, "must be positive")])
    return number


def price(value: Decimal | str | None, field: str) -> Decimal | None:
    """An optional positive, finite exact price: None stays None."""
    number = decimal(value, field)
    if number is not None and number <= 0:
        raise InvalidArgument(
            f"{field} must be positive",
            reason=f"INVALID_{field.upper()}",
            violations=[(field, "must be positive")],
        )
    return number


def decimal(value: Decimal | str | None, field: str) -> Decimal | None:
    """An optional finite exact decimal; the empty string is None."""
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError):
        raise InvalidArgument(f"{field} is not a decimal", violations=[(field, "not a decimal")]) from None
    if not number.is_finite():
        raise InvalidArgument(f"{field} is not a decimal", violations=[(field, "not a decimal")])
    return number
