"""The twin of a bars provider: the demo tick feed's bars, continuing the stored simulated series.

Each bar comes from `demo_feed.next_bar` (seeded by symbol and bar time, opening at the previous
close), so a sync writes exactly the bars the demo feed itself stores for those times: the same
series whoever writes it first.
"""

from __future__ import annotations

from core.db import Database
from quant.bars import Bars
from svc_market.bar_store import SOURCE_SIMULATED, last_bars
from svc_market.catalogue import BY_SYMBOL
from svc_market.demo_feed import DemoBar, bars_of, next_bar, trades_at
from svc_market.providers import BAR_S, BarsRequest
from svc_market.symbols import get_symbol


class _SimulatedCursor:
    def __init__(self, db: Database, seed: int, request: BarsRequest) -> None:
        self.db = db
        self.seed = seed
        self.request = request
        self.next_ts = -(-request.start_s // BAR_S) * BAR_S
        self.close: float | None = None

    async def _opening_close(self) -> float:
        symbol = self.request.symbol
        async with self.db.session() as session:
            row = await get_symbol(session, symbol)
            before = await last_bars(session, row.id, BAR_S, 1, self.next_ts)
        return float(before.close[-1]) if len(before) else BY_SYMBOL[symbol].start_price

    async def next_chunk(self, size: int) -> Bars:
        spec = BY_SYMBOL.get(self.request.symbol)
        if spec is None:
            return Bars.empty()
        if self.close is None:
            self.close = await self._opening_close()
        out: list[DemoBar] = []
        # only bars that have ended: the forming one belongs to the tick feed
        while len(out) < size and self.next_ts + BAR_S <= self.request.end_s:
            if trades_at(spec, self.next_ts):
                bar = next_bar(spec, self.next_ts, self.close, self.seed)
                out.append(bar)
                self.close = bar.close
            self.next_ts += BAR_S
        return bars_of(out) if out else Bars.empty()


class SimulatedBars:
    """A BarsProvider with no vendor behind it (the demo run's sync)."""

    name = SOURCE_SIMULATED

    def __init__(self, db: Database, seed: int) -> None:
        self.db = db
        self.seed = seed

    def open(self, request: BarsRequest) -> _SimulatedCursor:
        return _SimulatedCursor(self.db, self.seed, request)
