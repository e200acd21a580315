"""The platform's one model of time in the market: the sessions of the day and how an
instrument's trading hours are evaluated (UTC, without holidays or daylight-saving shifts).

Which instruments trade on which hours is svc_market's (svc_market/catalogue.py), served with
every symbol by its contract; every service evaluates what it was served with these functions
and defines none of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

ASIAN, LONDON, NEW_YORK, OFF_HOURS = "asian", "london", "new_york", "off_hours"
SESSIONS = (ASIAN, LONDON, NEW_YORK, OFF_HOURS)
# Each session's daily window in UTC, [start, end), in the order of the day.
SESSION_WINDOWS: tuple[tuple[str, str, str], ...] = (
    (ASIAN, "00:00", "08:00"),
    (LONDON, "08:00", "13:00"),
    (NEW_YORK, "13:00", "22:00"),
    (OFF_HOURS, "22:00", "24:00"),
)


@dataclass(frozen=True)
class Hours:
    """When an instrument trades, in UTC: ISO weekdays and a daily window (open == close: all day)."""

    code: str
    label: str
    weekdays: tuple[int, ...]
    open_utc: str
    close_utc: str


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def session_at(when: datetime) -> str:
    """The session a UTC instant falls in (SESSION_WINDOWS)."""
    minute = when.hour * 60 + when.minute
    for name, start, end in SESSION_WINDOWS:
        if minutes(start) <= minute < minutes(end):
            return name
    return SESSION_WINDOWS[-1][0]


def is_open(hours: Hours, when: datetime) -> bool:
    """Whether the market trades at a UTC instant (weekly windows that cross midnight included)."""
    minute = when.hour * 60 + when.minute
    open_m, close_m = minutes(hours.open_utc), minutes(hours.close_utc)
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


def trading_day_end(hours: Hours, when: datetime) -> datetime:
    """The first daily close after `when` (the FX rollover at 22:00 UTC, midnight around the
    clock): when a DAY order expires."""
    close = minutes(hours.close_utc)
    end = when.replace(hour=close // 60, minute=close % 60, second=0, microsecond=0)
    return end if when < end else end + timedelta(days=1)


def _session_day_trades(hours: Hours, trading_day: int) -> bool:
    """A session that opens the evening before `trading_day` runs only Monday to Friday."""
    return trading_day <= 5 and trading_day in hours.weekdays
