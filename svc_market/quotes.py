"""Current bid/ask per symbol, with the session spread model: in the demo run the demo feed's
ticks, which continue the stored simulated series (svc_market/demo_feed.py); otherwise, while no
live quote is there, stored bars replayed as ticks.

The replay maps now onto the stored 5-minute bars shifted by whole weeks (so the time of week and
its sessions line up) and walks each bar's path open -> low -> high -> close (or open -> high ->
low -> close for a falling bar). This is also the function the broker uses to price orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from core.db import Database
from core.errors import FailedPrecondition
from quant.bars import Bars
from quant.trading_hours import session_at
from svc_market.bar_store import SOURCE_SIMULATED, last_bars, series_of
from svc_market.catalogue import BY_SYMBOL
from svc_market.demo_feed import DemoFeed
from svc_market.symbols import get_symbol

WEEK_S = 7 * 86400
REPLAY_BARS = 4032  # two weeks of 5-minute bars
RELOAD_S = 600


@dataclass(frozen=True)
class Quote:
    """A bid/ask at an instant."""

    symbol: str
    bid: float
    ask: float
    volume: float
    ts: datetime
    session: str
    simulated: bool

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2

    @property
    def spread(self) -> float:
        return self.ask - self.bid


def modelled_spread(symbol: str, session: str) -> float:
    """The configured spread (price units) of a symbol in a session."""
    spec = BY_SYMBOL.get(symbol)
    if spec is None:
        return 0.0
    return spec.spread_pips[session] * float(spec.pip_size)


def _path_price(o: float, h: float, lo: float, c: float, frac: float) -> float:
    points = (o, lo, h, c) if c >= o else (o, h, lo, c)
    pos = min(max(frac, 0.0), 1.0) * 3
    seg = min(int(pos), 2)
    return points[seg] + (points[seg + 1] - points[seg]) * (pos - seg)


def replay_mid(bars: Bars, resolution_s: int, now_s: float) -> tuple[float, float]:
    """Mid price and volume per second at ``now_s`` from bars replayed on a whole-week shift."""
    last_end = int(bars.ts[-1]) + resolution_s
    shift = 0 if now_s < last_end else ((int(now_s) - last_end) // WEEK_S + 1) * WEEK_S
    t = now_s - shift
    i = int(np.searchsorted(bars.ts, t, side="right")) - 1
    if i < 0:
        return float(bars.open[0]), 0.0
    frac = (t - bars.ts[i]) / resolution_s
    if frac >= 1.0:  # between bars (market closed): the last close, no volume
        return float(bars.close[i]), 0.0
    mid = _path_price(bars.open[i], bars.high[i], bars.low[i], bars.close[i], frac)
    return mid, float(bars.volume[i]) / resolution_s


class QuoteBook:
    """Quotes from stored bars: the demo feed's ticks where the series is simulated (the demo
    run), else the bars replayed, caching each symbol's bars for a while."""

    def __init__(self, db: Database, demo: DemoFeed | None = None) -> None:
        self.db = db
        self.demo = demo
        self._cache: dict[str, tuple[float, Bars, int, bool]] = {}

    async def _bars(self, symbol: str, now_s: float) -> tuple[Bars, int, bool]:
        cached = self._cache.get(symbol)
        if cached is not None and now_s - cached[0] < RELOAD_S:
            return cached[1], cached[2], cached[3]
        async with self.db.session() as session:
            row = await get_symbol(session, symbol)
            series = await series_of(session, row.id)
            if not series:
                raise FailedPrecondition(f"no bars stored for {row.symbol}", reason="NO_DATA")
            finest = series[0]
            bars = await last_bars(session, row.id, finest.resolution_s, REPLAY_BARS, int(now_s) + 1)
        entry = (now_s, bars, finest.resolution_s, finest.source == SOURCE_SIMULATED)
        self._cache[symbol] = entry
        return bars, finest.resolution_s, entry[3]

    async def quote(self, symbol: str, now: datetime) -> Quote:
        """The bid/ask of a symbol at ``now``: replayed mid +/- half the session's modelled spread."""
        code = symbol.upper()
        if self.demo is not None and code in BY_SYMBOL and await self.demo.prices(code, now):
            mid, volume = await self.demo.mid(code, now)
        else:
            bars, resolution_s, _ = await self._bars(code, now.timestamp())
            mid, volume = replay_mid(bars, resolution_s, now.timestamp())
        session = session_at(now.astimezone(UTC))
        half = modelled_spread(code, session) / 2
        digits = BY_SYMBOL[code].price_precision if code in BY_SYMBOL else 6
        return Quote(code, round(mid - half, digits), round(mid + half, digits), volume, now, session, True)
