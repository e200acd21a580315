"""The SL/TP and pending-order monitor: every tick is checked against an in-memory index of
trigger levels, and what it touches is executed through the broker, which re-checks it under
the account lock. The index is rebuilt from the database on start (a restart picks up every open
trigger) and every `monitor_resync_s`, and kept current by the broker's after-commit listener.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import Sequence

from svc_broker.config import BrokerSettings
from svc_broker.market import Quote
from svc_broker.venues.paper import PaperBroker, Watch
from svc_broker.venues.paper.triggers import Trigger

log = logging.getLogger(__name__)

Key = tuple[str, int]
_Entry = tuple  # (level, key, what)
BULK_PUT = 64  # from this many watches at once, the books are rebuilt rather than edited in place


class TriggerIndex:
    """Trigger levels per (symbol, bid|ask, le|ge), sorted, so a tick finds what it touches by
    bisection instead of looking at every open position."""

    def __init__(self) -> None:
        self._books: dict[tuple[str, str, str], list[_Entry]] = {}
        self._placed: dict[Key, list[tuple[tuple[str, str, str], _Entry]]] = {}

    def __len__(self) -> int:
        return len(self._placed)

    def clear(self) -> None:
        self._books.clear()
        self._placed.clear()

    def put(self, watch: Watch) -> None:
        self.remove(watch.key)
        if not watch.triggers:
            return
        placed = []
        for trigger in watch.triggers:
            book_key = (watch.symbol, trigger.source, trigger.op)
            entry = (trigger.level, watch.key, trigger.what)
            bisect.insort(self._books.setdefault(book_key, []), entry)
            placed.append((book_key, entry))
        self._placed[watch.key] = placed

    def put_all(self, watches: Sequence[Watch]) -> None:
        """`put` each watch in turn (the last of a key wins), with one pass over each book it
        changes: a tick that closes thousands of positions would otherwise shift a long book
        once per key."""
        if len(watches) < BULK_PUT:
            for watch in watches:
                self.put(watch)
            return
        latest = {w.key: w for w in watches}
        changed = {book_key for key in latest for book_key, _ in self._placed.pop(key, [])}
        for book_key in changed:
            self._books[book_key] = [e for e in self._books[book_key] if e[1] not in latest]
        added: dict[tuple[str, str, str], list[_Entry]] = {}
        for watch in latest.values():
            if not watch.triggers:
                continue
            placed = []
            for trigger in watch.triggers:
                book_key = (watch.symbol, trigger.source, trigger.op)
                entry = (trigger.level, watch.key, trigger.what)
                added.setdefault(book_key, []).append(entry)
                placed.append((book_key, entry))
            self._placed[watch.key] = placed
        for book_key, entries in added.items():
            book = self._books.setdefault(book_key, [])
            book.extend(entries)
            book.sort()

    def remove(self, key: Key) -> None:
        for book_key, entry in self._placed.pop(key, []):
            book = self._books[book_key]
            i = bisect.bisect_left(book, entry)
            if i < len(book) and book[i] == entry:
                del book[i]

    def touched(self, quote: Quote) -> list[tuple[Key, str]]:
        """The (key, what) pairs whose level this quote reaches, SL before TP for one key."""
        found: list[tuple[Key, str]] = []
        for source, price in (("bid", quote.bid), ("ask", quote.ask)):
            below = self._books.get((quote.symbol, source, "le"), [])
            # "le" fires when price <= level: every level at or above the price.
            found.extend((key, what) for _, key, what in below[bisect.bisect_left(below, (price,)) :])
            above = self._books.get((quote.symbol, source, "ge"), [])
            # "ge" fires when price >= level: every level at or below the price.
            cut = bisect.bisect_right(above, (price, ("\uffff", 0)))
            found.extend((key, what) for _, key, what in above[:cut])
        found.sort(key=lambda kw: kw[1] != "stop_loss")  # the worse outcome first when both touch
        return found


class PriceMonitor:
    """Watches the price stream for SL, TP and pending-order levels, and sweeps margin and expiry."""

    def __init__(self, broker: PaperBroker, settings: BrokerSettings) -> None:
        self._broker = broker
        self._settings = settings
        self.index = TriggerIndex()
        self._loaded = False
        self._lock = asyncio.Lock()
        self._during_load: list[Watch] | None = None  # changes heard while a load reads
        broker.add_listener(self._on_changes)

    def _on_changes(self, watches: Sequence[Watch]) -> None:
        if self._during_load is not None:
            self._during_load.extend(watches)
        if self._loaded:
            self.index.put_all(watches)

    async def load(self) -> None:
        """Rebuild the index from the database.

        A change committed while the read runs may be missing from what it returns, so the
        changes heard meanwhile are applied on top of it, in order, before the new index
        replaces the old one; each is the state its commit left, so the newest wins.
        """
        heard: list[Watch] = []
        self._during_load = heard
        try:
            watches = await self._broker.watches()
            index = TriggerIndex()
            index.put_all([*watches, *heard])
        finally:
            self._during_load = None
        self.index = index
        self._loaded = True

    async def on_tick(self, quote: Quote) -> int:
        """Execute what this tick touches; returns how many positions or orders it executed."""
        async with self._lock:  # ticks are handled one at a time, in order
            if not self._loaded:
                await self.load()
            effective = self._broker.effective_quote(quote)
            positions: dict[int, str] = {}
            orders: list[Key] = []
            for key, what in self.index.touched(effective):  # SL before TP for one position
                if key[0] == "position":
                    positions.setdefault(key[1], what)
                elif key not in orders:
                    orders.append(key)
            done = await self._fire_positions(positions, effective)
            for key in orders:
                done += await self._fire(key, "order", effective)
            return done

    async def _fire_positions(self, touched: dict[int, str], quote: Quote) -> int:
        """Every position the tick touches, closed in one batch."""
        if not touched:
            return 0
        try:
            closed = set(await self._broker.fire_position_triggers(list(touched.items()), quote))
        except Exception:
            log.exception("closing %d positions on a %s tick failed", len(touched), quote.symbol)
            return 0
        for position_id in touched.keys() - closed:  # someone else got there, or it changed
            watch = await self._broker.watch_of(("position", position_id))
            if watch is None:
                self.index.remove(("position", position_id))
            else:
                self.index.put(watch)
        return len(closed)

    async def _fire(self, key: Key, what: str, quote: Quote) -> int:
        try:
            if key[0] == "position":
                fired = await self._broker.fire_position_trigger(key[1], what, quote)
            else:
                fired = await self._broker.fire_order_trigger(key[1], quote)
        except Exception:
            log.exception("trigger %s %s failed", key, what)
            return 0
        if not fired:  # someone else got there first, or it changed: take the database's word
            watch = await self._broker.watch_of(key)
            if watch is None:
                self.index.remove(key)
            else:
                self.index.put(watch)
        return int(fired)

    async def sweep(self) -> None:
        """Stop-out and DAY-order expiry, which depend on time and on every symbol's price."""
        await self._broker.expire_orders()
        await self._broker.enforce_stop_out()

    async def run_sweeps(self) -> None:
        """Background task: sweep every `monitor_sweep_s`, reload every `monitor_resync_s`."""
        loop = asyncio.get_running_loop()
        last_resync = loop.time()
        while True:
            try:
                await self.sweep()
                if loop.time() - last_resync >= self._settings.monitor_resync_s:
                    last_resync = loop.time()
                    async with self._lock:
                        await self.load()
            except Exception:
                log.exception("monitor sweep failed; retrying")
            await asyncio.sleep(self._settings.monitor_sweep_s)


__all__ = ["PriceMonitor", "Trigger", "TriggerIndex"]
