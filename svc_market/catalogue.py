"""The instruments the platform knows, their trading hours and their spread model by session
(the sessions and how hours are evaluated are quant/trading_hours.py's)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from quant.trading_hours import ASIAN, LONDON, NEW_YORK, OFF_HOURS, SESSIONS, Hours

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
