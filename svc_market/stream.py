"""Live price fan-out: one upstream feed per symbol, shared by every subscriber.

Each feed produces a quote per interval, hands it to every subscriber's queue (a slow subscriber
loses its oldest quote, never blocks the others) and publishes it on the bus as a price_update
event on ``ticker:{symbol}``. The feed stops when its last subscriber leaves. With an upstream
(Polygon's WebSocket, svc_market.live) the feed's start and stop acquire and release the symbol's
one upstream subscription; the quote function then serves the live quote or, while it is missing,
the replay.

The ticker symbols' feeds are held running by one market replica cluster-wide (a lease,
svc_market/wiring.py), which publishes their quotes; a feed another replica runs for its own
stream subscribers of such a symbol publishes nothing, so the bus carries each tick once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Protocol

from google.protobuf.timestamp_pb2 import Timestamp
from trading.events.v1 import events_envelope_pb2, events_payloads_pb2

from core.clock import Clock
from core.errors import DomainError
from svc_market.quotes import Quote

log = logging.getLogger("svc_market.stream")
QUEUE_SIZE = 16
QuoteFn = Callable[[str, datetime], Awaitable[Quote]]


class Publisher(Protocol):
    """What the hub needs from the bus."""

    async def publish(self, channel: str, data: bytes) -> None: ...


def _timestamp(when: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(when)
    return ts


def price_update_event(quote: Quote) -> bytes:
    """The bus envelope of a quote (trading.events.v1.Event with a PriceUpdate)."""
    channel = f"ticker:{quote.symbol}"
    event = events_envelope_pb2.Event(
        id=str(uuid.uuid4()),
        type="price_update",
        channel=channel,
        occurred_at=_timestamp(quote.ts),
        producer="market",
        price_update=events_payloads_pb2.PriceUpdate(
            symbol=quote.symbol, bid=quote.bid, ask=quote.ask, timestamp=_timestamp(quote.ts)
        ),
    )
    return event.SerializeToString()


class Upstream(Protocol):
    """A live source the feeds subscribe to: one acquire per running feed."""

    def supports(self, symbol: str) -> bool: ...

    def acquire(self, symbol: str) -> None: ...

    def release(self, symbol: str) -> None: ...

    async def close(self) -> None: ...


class _Feed:
    def __init__(self) -> None:
        self.queues: set[asyncio.Queue[Quote]] = set()
        self.task: asyncio.Task[None] | None = None


class PriceHub:
    """Subscriptions to per-symbol quote feeds."""

    def __init__(
        self,
        quote: QuoteFn,
        clock: Clock,
        publisher: Publisher | None,
        interval_s: float = 1.0,
        upstream: Upstream | None = None,
        tickers: frozenset[str] = frozenset(),
    ) -> None:
        """`tickers`: the symbols whose quotes the replica holding their feeds publishes (this one
        while `hold` runs here); a feed of another symbol publishes its own quotes."""
        self.quote = quote
        self.upstream = upstream
        self.clock = clock
        self.publisher = publisher
        self.interval_s = interval_s
        self.feeds: dict[str, _Feed] = {}
        self.feeds_started = 0
        self.tickers = tickers
        self.holding: set[str] = set()

    @contextlib.asynccontextmanager
    async def subscribe(self, symbol: str) -> AsyncIterator[AsyncIterator[Quote]]:
        """``async with hub.subscribe("EURUSD") as quotes: async for q in quotes: ...``"""
        code = symbol.upper()
        live = self.upstream is not None and self.upstream.supports(code)
        if not live:
            await self.quote(code, self.clock.now())  # fail here (unknown symbol, no data), not in the feed
        queue: asyncio.Queue[Quote] = asyncio.Queue(QUEUE_SIZE)
        feed = self.feeds.setdefault(code, _Feed())
        feed.queues.add(queue)
        if feed.task is None:
            self.feeds_started += 1
            if live and self.upstream is not None:
                self.upstream.acquire(code)
            feed.task = asyncio.create_task(self._run(code, feed))
        try:
            yield self._drain(queue)
        finally:
            feed.queues.discard(queue)
            if not feed.queues and self.feeds.get(code) is feed:
                del self.feeds[code]
                if live and self.upstream is not None:
                    self.upstream.release(code)
                if feed.task is not None:
                    feed.task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await feed.task

    @staticmethod
    async def _drain(queue: asyncio.Queue[Quote]) -> AsyncIterator[Quote]:
        while True:
            yield await queue.get()

    async def _run(self, symbol: str, feed: _Feed) -> None:
        while True:
            try:
                quote = await self.quote(symbol, self.clock.now())
            except DomainError as exc:  # no live quote yet and no stored bars to replay
                log.debug("no quote for %s: %s", symbol, exc)
                await self.clock.sleep(self.interval_s)
                continue
            except Exception:
                log.exception("quote for %s failed", symbol)
                await self.clock.sleep(self.interval_s)
                continue
            for queue in list(feed.queues):
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(quote)
            if self.publisher is not None and (symbol in self.holding or symbol not in self.tickers):
                try:
                    await self.publisher.publish(f"ticker:{symbol}", price_update_event(quote))
                except Exception:
                    log.exception("publishing %s failed", symbol)
            await self.clock.sleep(self.interval_s)

    async def hold(self, symbols: list[str], retry_s: float = 5.0) -> None:
        """Keep the feeds of `symbols` running with nobody watching, so `ticker:{symbol}` gets a
        price every interval (the broker's fills and SL/TP monitor listen there)."""
        codes = {symbol.upper() for symbol in symbols}
        self.holding |= codes
        try:
            await asyncio.gather(*(self._hold_one(symbol, retry_s) for symbol in symbols))
        finally:
            self.holding -= codes

    async def _hold_one(self, symbol: str, retry_s: float) -> None:
        while True:
            try:
                async with self.subscribe(symbol) as quotes:
                    async for _ in quotes:
                        pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # no bars yet (first start still seeding), unknown symbol
                log.info("ticker feed for %s not running yet: %s", symbol, exc)
                await asyncio.sleep(retry_s)

    async def close(self) -> None:
        for feed in list(self.feeds.values()):
            if feed.task is not None:
                feed.task.cancel()
        self.feeds.clear()
        if self.upstream is not None:
            await self.upstream.close()
