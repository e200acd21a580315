"""The sessions and trading-hours evaluation svc_market serves, from the base library that every
service shares (quant/trading_hours.py)."""

from __future__ import annotations

from quant.trading_hours import (
    ASIAN,
    LONDON,
    NEW_YORK,
    OFF_HOURS,
    SESSION_WINDOWS,
    SESSIONS,
    Hours,
    is_open,
    minutes,
    session_at,
    trading_day_end,
)

__all__ = [
    "ASIAN",
    "LONDON",
    "NEW_YORK",
    "OFF_HOURS",
    "SESSIONS",
    "SESSION_WINDOWS",
    "Hours",
    "is_open",
    "minutes",
    "session_at",
    "trading_day_end",
]
