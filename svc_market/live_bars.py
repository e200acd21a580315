"""Bars built from live quotes, the way the demo tick feed builds its bars from its ticks.

Every live quote a provider accepts is offered here; its mid ((bid + ask) / 2, the price the
stream and the broker's fills use) moves the forming 5-minute bar of its time: the first mid opens
it, the newest closes it, high and low are the extremes, and the volume counts the quotes (tick
volume: quote feeds carry no traded volume). `flush` writes the bars that changed (the forming one
as far as it has come) with source `polygon_live`; the candles call it before they read, so the
chart's last candle closes at the current quote. A sync later replaces these bars with the
provider's own (`bar_store.last_synced_ts` ignores them, so the sync still fills every gap).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from quant.bars import Bars
from svc_market.bar_store import SOURCE_LIVE, refresh_series, upsert_bars
from svc_market.models import Symbol
from svc_market.providers import BAR_S

log = logging.getLogger("svc_market.live_bars")


@dataclass
class _Forming:
    ts: int
    open: float
    high: float
    low: float
    close: float
    ticks: int

    def add(self, price: float) -> None:
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.ticks += 1


class LiveBarBuilder:
    """A QuoteListener that turns live quotes into stored 5-minute bars."""

    def __init__(self, db: Database, clock: Clock, daily_anchor_s: int = 0, flush_s: float = 5.0) -> None:
        self.db = db
        self.clock = clock
        self.daily_anchor_s = daily_anchor_s
        self.flush_s = flush_s
        self.forming: dict[str, _Forming] = {}
        self._dirty: dict[str, list[_Forming]] = {}  # symbol -> bars changed since the last flush
        self._ids: dict[str, int] = {}
        # one writer per symbol: an older snapshot of a bar never lands after a newer one
        self._writing: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def offer(self, symbol: str, ts_s: float, bid: float, ask: float) -> None:
        price = (bid + ask) / 2
        bucket = int(ts_s) // BAR_S * BAR_S
        bar = self.forming.get(symbol)
        if bar is not None and bucket < bar.ts:
            return  # a late quote for a bar already closed
        if bar is None or bucket > bar.ts:
            bar = _Forming(bucket, price, price, price, price, 1)
            self.forming[symbol] = bar
        else:
            bar.add(price)
        changed = self._dirty.setdefault(symbol, [])
        if not changed or changed[-1] is not bar:
            changed.append(bar)

    async def flush(self, symbol: str | None = None) -> int:
        """Write the changed bars (of one symbol, or all); returns how many."""
        symbols = [symbol] if symbol is not None else list(self._dirty)
        written = 0
        for code in symbols:
            async with self._writing[code]:
                bars = self._dirty.pop(code, None)
                if bars:
                    written += await self._write(code, bars)
        return written

    async def _write(self, symbol: str, bars: list[_Forming]) -> int:
        columns = Bars.from_columns(
            [b.ts for b in bars],
            [b.open for b in bars],
            [b.high for b in bars],
            [b.low for b in bars],
            [b.close for b in bars],
            [float(b.ticks) for b in bars],
        )
        async with self.db.transaction() as session:
            symbol_id = await self._symbol_id(session, symbol)
            if symbol_id is None:
                return 0
            await upsert_bars(
                session, symbol_id, BAR_S, columns, SOURCE_LIVE, daily_anchor_s=self.daily_anchor_s
            )
            await refresh_series(session, symbol_id, BAR_S, SOURCE_LIVE)
        return len(bars)

    async def _symbol_id(self, session: AsyncSession, symbol: str) -> int | None:
        if symbol not in self._ids:
            found = await session.scalar(select(Symbol.id).where(Symbol.symbol == symbol))
            if found is None:
                return None
            self._ids[symbol] = int(found)
        return self._ids[symbol]

    async def run(self) -> None:
        """Background task: flush every ``flush_s``."""
        while True:
            await self.clock.sleep(self.flush_s)
            try:
                await self.flush()
            except Exception:
                log.exception("writing live bars failed")
