"""Trading hours and sessions (UTC, without holidays or daylight-saving shifts)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from svc_broker.market import Quote, SymbolSpec

ROLLOVER = time(22, 0)  # the FX trading day ends at 22:00 UTC (17:00 New York)
_FRIDAY, _SATURDAY, _SUNDAY = 4, 5, 6


def is_market_open(hours: str, when: datetime) -> bool:
    """FX, metals and indices trade from Sunday 22:00 to Friday 22:00 UTC; crypto always;
    US stocks on weekdays from 14:30 to 21:00 UTC."""
    if hours == "24x7":
        return True
    day, clock = when.weekday(), when.time()
    if hours == "us_equity":
        return day < _SATURDAY and time(14, 30) <= clock < time(21, 0)
    if day == _SATURDAY:
        return False
    if day == _FRIDAY:
        return clock < ROLLOVER
    if day == _SUNDAY:
        return clock >= ROLLOVER
    return True


def session_of(when: datetime) -> str:
    """The FX session a moment belongs to: rollover, asia, london or new_york."""
    hour = when.hour
    if hour == 21:
        return "rollover"
    if hour >= 22 or hour < 7:
        return "asia"
    if hour < 13:
        return "london"
    return "new_york"


def end_of_trading_day(when: datetime) -> datetime:
    """The next 22:00 UTC rollover after `when`: when a DAY order expires."""
    rollover = when.replace(hour=22, minute=0, second=0, microsecond=0)
    return rollover if when < rollover else rollover + timedelta(days=1)


def widened(quote: Quote, spec: SymbolSpec, factors: dict[str, Decimal]) -> Quote:
    """The quote with its spread widened, symmetrically around the mid, to at least the symbol's
    minimum spread times the session factor. A wider quoted spread is kept as it is."""
    floor = spec.min_spread * factors.get(session_of(quote.time), Decimal(1))
    spread = quote.ask - quote.bid
    if spread >= floor:
        return quote
    half = (floor - spread) / 2
    return Quote(quote.symbol, quote.bid - half, quote.ask + half, quote.time)
