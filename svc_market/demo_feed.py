"""The demo run's tick feed: simulated prices that continue the stored simulated series.

Each 5-minute bar after the last stored one is drawn from a generator seeded by (symbol, bar
time) and opens at the previous close, so the same bar comes out whoever asks and whenever.
Within a bar the price walks its path open -> low -> high -> close (open -> high -> low -> close
for a falling bar): the tick at an instant is that path's price, and the bar is exactly what its
ticks made. `catch_up` stores every bar that has ended (after a restart: the gap since the last
one) and, on request, the forming bar as far as it has come, so candles, the price stream, the
broker's fills and the signals built on the bars agree to the tick.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from quant.bars import Bars
from quant.trading_hours import is_open
from svc_market.bar_store import SOURCE_SIMULATED, last_bars, refresh_series, series_of, upsert_bars
from svc_market.catalogue import BY_SYMBOL, HOURS, SymbolSpec
from svc_market.demo_data import BAR_S, activity_at
from svc_market.symbols import get_symbol


@dataclass(frozen=True)
class DemoBar:
    """One whole simulated bar."""

    ts: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    digits: int  # prices are rounded to the symbol's precision, as quoted

    def path(self) -> tuple[float, float, float, float]:
        return (
            (self.open, self.low, self.high, self.close)
            if self.close >= self.open
            else (self.open, self.high, self.low, self.close)
        )

    def at(self, frac: float) -> tuple[float, float, float, float, float]:
        """(open, high, low, close, volume) of the bar as far as `frac` of it has gone."""
        points = self.path()
        pos = min(max(frac, 0.0), 1.0) * 3
        seg = min(int(pos), 2)
        price = round(points[seg] + (points[seg + 1] - points[seg]) * (pos - seg), self.digits)
        seen = [*points[: seg + 1], price]
        return self.open, max(seen), min(seen), price, self.volume * min(max(frac, 0.0), 1.0)


def next_bar(spec: SymbolSpec, ts: int, open_price: float, seed: int) -> DemoBar:
    """The bar starting at `ts`, opening at `open_price`: the same inputs give the same bar."""
    rng = np.random.default_rng([seed, zlib.crc32(spec.symbol.encode()), ts])
    sigma = spec.daily_vol / np.sqrt(288) * activity_at(ts)
    close = open_price * float(np.exp(rng.normal(0.0, 1.0) * sigma))
    wick_up, wick_down = np.abs(rng.normal(0.0, 0.6, 2)) * sigma * close
    digits = spec.price_precision
    high = round(max(open_price, close) + float(wick_up), digits)
    low = round(min(open_price, close) - float(wick_down), digits)
    volume = float(np.round(rng.gamma(2.0, 50.0) * activity_at(ts)))
    return DemoBar(ts, round(open_price, digits), high, low, round(close, digits), volume, digits)


def bars_of(bars: list[DemoBar]) -> Bars:
    columns = [
        np.array([getattr(b, f) for b in bars], dtype=np.float64)
        for f in ("open", "high", "low", "close", "volume")
    ]
    return Bars.from_columns(np.array([b.ts for b in bars], dtype=np.int64), *columns)


class DemoFeed:
    """Extends each symbol's simulated series bar by bar and prices the forming bar."""

    def __init__(self, db: Database, seed: int, daily_anchor_s: int = 0, max_gap_days: int = 30) -> None:
        self.db = db
        self.max_gap_bars = max_gap_days * 86400 // BAR_S  # a longer pause resumes this far back
        self.seed = seed
        self.daily_anchor_s = daily_anchor_s
        self._last: dict[
            str, tuple[int, float]
        ] = {}  # symbol -> (ts of the last whole bar stored, its close)
        self._series_end: dict[str, int | None] = {}  # symbol: its newest bar's time; None: not ours
        self._ids: dict[str, int] = {}

    async def prices(self, symbol: str, now: datetime) -> bool:
        """Whether the feed prices `symbol` at `now`: its finest stored series is simulated (the
        demo run's data) and ends before the bar forming at `now` (stored bars cover the past).
        No series yet is asked again (a replica may start before `trading bootstrap` seeds it)."""
        if symbol not in self._series_end:
            async with self.db.session() as session:
                row = await get_symbol(session, symbol)
                series = await series_of(session, row.id)
            if not series:
                return False
            ours = [s for s in series[:1] if (s.resolution_s, s.source) == (BAR_S, SOURCE_SIMULATED)]
            self._series_end[symbol] = ours[0].last_ts if ours else None
        end = self._series_end[symbol]
        return end is not None and end <= int(now.timestamp()) // BAR_S * BAR_S

    async def catch_up(self, symbol: str, now: datetime, *, forming: bool = False) -> None:
        """Store every bar that has ended by `now` (and, with `forming`, the forming bar so far)."""
        spec = BY_SYMBOL[symbol]
        current = int(now.timestamp()) // BAR_S * BAR_S
        last_ts, close = await self._last_whole(symbol, current)
        ended: list[DemoBar] = []
        ts = max(last_ts + BAR_S, current - self.max_gap_bars * BAR_S)
        while ts < current:
            if trades_at(spec, ts):
                bar = next_bar(spec, ts, close, self.seed)
                ended.append(bar)
                close = bar.close
            ts += BAR_S
        rows = ended
        if forming and trades_at(spec, current):
            o, h, lo, c, v = next_bar(spec, current, close, self.seed).at(_frac(now, current))
            rows = [*ended, DemoBar(current, o, h, lo, c, v, spec.price_precision)]
        if rows:
            # the forming bar stored again, nothing else: the series' range and count stay as they are
            grows = bool(ended) or rows[-1].ts != self._series_end.get(symbol)
            async with self.db.transaction() as session:
                symbol_id = await self._symbol_id(session, symbol)
                await upsert_bars(
                    session,
                    symbol_id,
                    BAR_S,
                    bars_of(rows),
                    SOURCE_SIMULATED,
                    daily_anchor_s=self.daily_anchor_s,
                )
                if grows:
                    await refresh_series(session, symbol_id, BAR_S, SOURCE_SIMULATED)
        if ended:
            self._last[symbol] = (ended[-1].ts, ended[-1].close)
        if rows:
            self._series_end[symbol] = rows[-1].ts

    async def mid(self, symbol: str, now: datetime) -> tuple[float, float]:
        """The tick at `now`: the forming bar's price (the last close while the market is shut)
        and its volume per second."""
        spec = BY_SYMBOL[symbol]
        current = int(now.timestamp()) // BAR_S * BAR_S
        await self.catch_up(symbol, now)
        _, close = self._last[symbol] if symbol in self._last else await self._last_whole(symbol, current)
        if not trades_at(spec, current):
            return close, 0.0
        bar = next_bar(spec, current, close, self.seed)
        return bar.at(_frac(now, current))[3], bar.volume / BAR_S

    async def _symbol_id(self, session: AsyncSession, symbol: str) -> int:
        """A catalogue symbol's id (ids never change: read once)."""
        if symbol not in self._ids:
            self._ids[symbol] = (await get_symbol(session, symbol)).id
        return self._ids[symbol]

    async def _last_whole(self, symbol: str, current: int) -> tuple[int, float]:
        """The newest stored bar that ended before the forming one: its time and close."""
        known = self._last.get(symbol)
        if known is not None:
            return known
        async with self.db.session() as session:
            row = await get_symbol(session, symbol)
            bars = await last_bars(session, row.id, BAR_S, 1, current)
        if len(bars) == 0:
            spec = BY_SYMBOL[symbol]
            return current - BAR_S, spec.start_price
        found = (int(bars.ts[-1]), float(bars.close[-1]))
        self._last[symbol] = found
        return found


def trades_at(spec: SymbolSpec, ts: int) -> bool:
    return is_open(HOURS[spec.hours], datetime.fromtimestamp(ts, UTC))


def _frac(now: datetime, bar_ts: int) -> float:
    return (now.timestamp() - bar_ts) / BAR_S
