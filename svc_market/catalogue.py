"""The instruments the platform knows, their trading hours and their spread model by session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

ASIAN, LONDON, NEW_YORK, OFF_HOURS = "asian", "london", "new_york", "off_hours"
SESSIONS = (ASIAN, LONDON, NEW_YORK, OFF_HOURS)


@dataclass(frozen=True)
class Hours:
    """When an instrument trades, in UTC: ISO weekdays and a daily window (open == close: all day)."""

    code: str
    label: str
    weekdays: tuple[int, ...]
    open_utc: str
    close_utc: str


HOURS: dict[str, Hours] = {
    "fx": Hours("fx", "24/5 (Sun 22:00 - Fri 22:00 UTC)", (1, 2, 3, 4, 5, 7), "22:00", "22:00"),
    "crypto": Hours("crypto", "24/7", (1, 2, 3, 4, 5, 6, 7), "00:00", "00:00"),
    "us_cash": Hours(
        "us_cash", "US cash session (Mon-Fri 14:30 - 21:00 UTC)", (1, 2, 3, 4, 5), "14:30", "21:00"
    ),
    "cfd": Hours("cfd", "23/5 (Sun 23:00 - Fri 22:00 UTC)", (1, 2, 3, 4, 5, 7), "23:00", "22:00"),
}


@dataclass(frozen=True)
class SymbolSpec:
    """An instrument's static description and its modelled spreads (in pips) by session."""

    symbol: str
    name: str
    asset_type: str
    provider_ticker: str
    pip_size: Decimal
    price_precision: int
    contract_size: Decimal
    min_lot: Decimal
    max_lot: Decimal
    lot_step: Decimal
    quote_currency: str
    hours: str
    start_price: float
    daily_vol: float
    spread_pips: dict[str, float]


def _fx(
    symbol: str, name: str, pip: str, precision: int, price: float, spreads: tuple[float, ...]
) -> SymbolSpec:
    return SymbolSpec(
        symbol,
        name,
        "forex",
        f"C:{symbol}",
        Decimal(pip),
        precision,
        Decimal(100000),
        Decimal("0.01"),
        Decimal(100),
        Decimal("0.01"),
        symbol[3:],
        "fx",
        price,
        0.006,
        dict(zip(SESSIONS, spreads, strict=True)),
    )


CATALOGUE: tuple[SymbolSpec, ...] = (
    _fx("EURUSD", "Euro / US Dollar", "0.0001", 5, 1.085, (1.2, 0.8, 0.9, 2.0)),
    _fx("GBPUSD", "British Pound / US Dollar", "0.0001", 5, 1.27, (1.8, 1.0, 1.2, 2.8)),
    _fx("USDJPY", "US Dollar / Japanese Yen", "0.01", 3, 151.0, (1.0, 1.1, 1.1, 2.2)),
    _fx("AUDUSD", "Australian Dollar / US Dollar", "0.0001", 5, 0.66, (1.0, 1.3, 1.4, 2.5)),
    SymbolSpec(
        "BTCUSD",
        "Bitcoin / US Dollar",
        "crypto",
        "X:BTCUSD",
        Decimal(1),
        2,
        Decimal(1),
        Decimal("0.001"),
        Decimal(10),
        Decimal("0.001"),
        "USD",
        "crypto",
        64000.0,
        0.03,
        {ASIAN: 25.0, LONDON: 18.0, NEW_YORK: 15.0, OFF_HOURS: 30.0},
    ),
    SymbolSpec(
        "ETHUSD",
        "Ether / US Dollar",
        "crypto",
        "X:ETHUSD",
        Decimal("0.1"),
        2,
        Decimal(1),
        Decimal("0.01"),
        Decimal(100),
        Decimal("0.01"),
        "USD",
        "crypto",
        3200.0,
        0.035,
        {ASIAN: 15.0, LONDON: 10.0, NEW_YORK: 9.0, OFF_HOURS: 20.0},
    ),
    SymbolSpec(
        "XAUUSD",
        "Gold / US Dollar",
        "commodity",
        "C:XAUUSD",
        Decimal("0.01"),
        2,
        Decimal(100),
        Decimal("0.01"),
        Decimal(50),
        Decimal("0.01"),
        "USD",
        "cfd",
        2300.0,
        0.01,
        {ASIAN: 35.0, LONDON: 25.0, NEW_YORK: 25.0, OFF_HOURS: 50.0},
    ),
    SymbolSpec(
        "SPX",
        "S&P 500 Index",
        "index",
        "I:SPX",
        Decimal("0.01"),
        2,
        Decimal(1),
        Decimal("0.1"),
        Decimal(100),
        Decimal("0.1"),
        "USD",
        "us_cash",
        5200.0,
        0.01,
        {ASIAN: 80.0, LONDON: 60.0, NEW_YORK: 40.0, OFF_HOURS: 100.0},
    ),
    SymbolSpec(
        "AAPL",
        "Apple Inc.",
        "stock",
        "AAPL",
        Decimal("0.01"),
        2,
        Decimal(1),
        Decimal(1),
        Decimal(10000),
        Decimal(1),
        "USD",
        "us_cash",
        190.0,
        0.015,
        {ASIAN: 5.0, LONDON: 4.0, NEW_YORK: 1.0, OFF_HOURS: 8.0},
    ),
)

BY_SYMBOL: dict[str, SymbolSpec] = {spec.symbol: spec for spec in CATALOGUE}


def session_at(when: datetime) -> str:
    """The session a UTC instant falls in: Asian 00-08, London 08-13, New York 13-22, off-hours 22-24."""
    hour = when.hour
    if hour < 8:
        return ASIAN
    if hour < 13:
        return LONDON
    if hour < 22:
        return NEW_YORK
    return OFF_HOURS


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def is_open(hours: Hours, when: datetime) -> bool:
    """Whether the market trades at a UTC instant (weekly windows that cross midnight included)."""
    minute = when.hour * 60 + when.minute
    open_m, close_m = _minutes(hours.open_utc), _minutes(hours.close_utc)
    weekday = when.isoweekday()
    if open_m == close_m:
        if open_m == 0:
            return weekday in hours.weekdays
        # a 24-hour day starting at open_m: the session of `weekday` starts the evening before
        day = weekday if minute < open_m else weekday % 7 + 1
        return _session_day_trades(hours, day)
    if open_m < close_m:
        return weekday in hours.weekdays and open_m <= minute < close_m and weekday <= 5
    if minute >= open_m:
        return _session_day_trades(hours, weekday % 7 + 1)
    return minute < close_m and _session_day_trades(hours, weekday)


def _session_day_trades(hours: Hours, trading_day: int) -> bool:
    """A session that opens the evening before `trading_day` runs only Monday to Friday."""
    return trading_day <= 5 and trading_day in hours.weekdays
