"""Recorded live quotes: a sample per symbol per interval into the quotes table, where the spread
statistics find them."""

from __future__ import annotations

import logging

from sqlalchemy import delete, select

from core.clock import Clock
from core.db import Database
from svc_market.bar_store import upsert_insert
from svc_market.models import Quote as QuoteRow
from svc_market.models import Symbol

log = logging.getLogger("svc_market.quote_recorder")


class QuoteRecorder:
    """Samples live quotes into the quotes table: at most one per symbol per ``interval_s``,
    written in batches by ``flush`` (or the ``run`` loop); rows older than the retention go."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        interval_s: float = 1.0,
        flush_s: float = 5.0,
        retention_s: float = 30 * 86400,
    ) -> None:
        self.db = db
        self.clock = clock
        self.interval_s = interval_s
        self.flush_s = flush_s
        self.retention_s = retention_s
        self.pending: list[tuple[str, int, float, float]] = []
        self.recorded = 0
        self._last_slot: dict[str, int] = {}
        self._ids: dict[str, int] = {}
        self._pruned_at = 0.0

    def offer(self, symbol: str, ts_s: float, bid: float, ask: float) -> None:
        slot = int(ts_s // self.interval_s)
        if slot <= self._last_slot.get(symbol, -1):
            return
        self._last_slot[symbol] = slot
        self.pending.append((symbol, int(ts_s), bid, ask))

    async def flush(self) -> int:
        """Write the pending samples (a second sample in one second is dropped); returns how many."""
        rows, self.pending = self.pending, []
        if not rows and self._pruned_recently():
            return 0
        async with self.db.transaction() as session:
            missing = {r[0] for r in rows} - self._ids.keys()
            if missing:
                found = await session.execute(
                    select(Symbol.symbol, Symbol.id).where(Symbol.symbol.in_(missing))
                )
                self._ids.update({code: ident for code, ident in found.all()})
            values = [
                {"symbol_id": self._ids[s], "ts": ts, "bid": bid, "ask": ask}
                for s, ts, bid, ask in rows
                if s in self._ids
            ]
            if values:
                stmt = upsert_insert(session)(QuoteRow).values(values)
                await session.execute(stmt.on_conflict_do_nothing(index_elements=["symbol_id", "ts"]))
            if not self._pruned_recently():
                self._pruned_at = self.clock.now().timestamp()
                cutoff = int(self._pruned_at - self.retention_s)
                await session.execute(delete(QuoteRow).where(QuoteRow.ts < cutoff))
        self.recorded += len(values)
        return len(values)

    def _pruned_recently(self) -> bool:
        return self.clock.now().timestamp() - self._pruned_at < 3600

    async def run(self) -> None:
        """Background task: flush every ``flush_s``."""
        while True:
            await self.clock.sleep(self.flush_s)
            try:
                await self.flush()
            except Exception:
                log.exception("recording quotes failed")
