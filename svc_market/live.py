"""Live quotes from Polygon's WebSocket, through massive's ``WebSocketClient``.

One connection per Polygon market (forex for currencies and metals, crypto, stocks), opened when
the first symbol of that market is wanted. Subscriptions are counted per symbol: the PriceHub
acquires a symbol when its feed starts and releases it when the feed stops, so however many
clients stream a symbol there is one upstream subscription. The newest quote per symbol is kept;
``LiveQuotes`` serves it while the connection is up and the quote is recent, and the replay of
stored bars (flagged simulated) otherwise. A dropped connection is reopened with exponential
backoff. Quotes are sampled (at most one per symbol per interval) into the quotes table, where
the spread statistics find them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from massive import WebSocketClient
from massive.websocket.models import CryptoQuote, EquityQuote, ForexQuote, Market, WebSocketMessage
from sqlalchemy import delete, select

from core.clock import Clock
from core.db import Database
from svc_market.bar_store import _insert
from svc_market.catalogue import BY_SYMBOL, SymbolSpec
from svc_market.models import Quote as QuoteRow
from svc_market.models import Symbol
from svc_market.quotes import Quote, QuoteBook
from svc_market.trading_hours import session_at

log = logging.getLogger("svc_market.live")

_MARKETS = {"forex": Market.Forex, "commodity": Market.Forex, "crypto": Market.Crypto, "stock": Market.Stocks}
_PREFIX = {Market.Forex: "C", Market.Crypto: "XQ", Market.Stocks: "Q"}


def channel_of(spec: SymbolSpec) -> tuple[Market, str] | None:
    """The Polygon market and quote channel of an instrument (``C.EUR-USD``, ``XQ.BTC-USD``,
    ``Q.AAPL``); None where Polygon streams no quotes (indices stream values only)."""
    market = _MARKETS.get(spec.asset_type)
    if market is None:
        return None
    ticker = spec.provider_ticker.split(":", 1)[-1]
    if market is not Market.Stocks:
        quote = spec.quote_currency
        ticker = f"{ticker[: -len(quote)]}-{quote}"
    return market, f"{_PREFIX[market]}.{ticker}"


def _key(pair: str) -> str:
    return pair.split(":", 1)[-1].replace("/", "").replace("-", "").upper()


# "EUR/USD" (forex), "BTC-USD" (crypto), "AAPL" (stocks) -> the platform's symbol
_SYMBOL_OF_PAIR = {_key(spec.provider_ticker): spec.symbol for spec in BY_SYMBOL.values()}


@dataclass(frozen=True)
class LiveQuote:
    """The newest bid/ask of a symbol: the provider's time and when it arrived (epoch seconds)."""

    bid: float
    ask: float
    ts_s: float
    received_s: float


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
                stmt = _insert(session)(QuoteRow).values(values)
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


class _Connection:
    def __init__(self, market: Market) -> None:
        self.market = market
        self.channels: set[str] = set()
        self.client: WebSocketClient | None = None
        self.task: asyncio.Task[None] | None = None
        self.up = False
        self.sessions = 0  # connections that delivered data
        self.messages = 0


class PolygonStream:
    """Quote subscriptions on Polygon's WebSocket, shared per symbol; the newest quote of each."""

    def __init__(
        self,
        api_key: str,
        url: str,
        clock: Clock,
        recorder: QuoteRecorder | None = None,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 60.0,
    ) -> None:
        parsed = urlsplit(url if "://" in url else f"wss://{url}")
        self.api_key = api_key
        self.secure = parsed.scheme == "wss"
        self.feed = parsed.netloc
        self.clock = clock
        self.recorder = recorder
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.latest: dict[str, LiveQuote] = {}
        self._refs: dict[str, int] = {}
        self._conns: dict[Market, _Connection] = {}
        self._closed = False

    def supports(self, symbol: str) -> bool:
        spec = BY_SYMBOL.get(symbol)
        return spec is not None and channel_of(spec) is not None

    def acquire(self, symbol: str) -> None:
        """Want quotes of ``symbol`` (subscribes upstream on the first acquire)."""
        count = self._refs.get(symbol, 0)
        self._refs[symbol] = count + 1
        route = channel_of(BY_SYMBOL[symbol]) if count == 0 and self.supports(symbol) else None
        if route is None:
            return
        market, channel = route
        conn = self._conns.setdefault(market, _Connection(market))
        conn.channels.add(channel)
        if conn.client is not None:
            conn.client.subscribe(channel)
        if conn.task is None and not self._closed:
            conn.task = asyncio.create_task(self._run(conn))

    def release(self, symbol: str) -> None:
        """The last release of a symbol unsubscribes it upstream."""
        count = self._refs.get(symbol, 0) - 1
        if count > 0:
            self._refs[symbol] = count
            return
        self._refs.pop(symbol, None)
        self.latest.pop(symbol, None)
        route = channel_of(BY_SYMBOL[symbol]) if self.supports(symbol) else None
        conn = self._conns.get(route[0]) if route else None
        if route is None or conn is None:
            return
        conn.channels.discard(route[1])
        if conn.client is not None:
            conn.client.unsubscribe(route[1])

    def is_up(self, symbol: str) -> bool:
        route = channel_of(BY_SYMBOL[symbol]) if self.supports(symbol) else None
        conn = self._conns.get(route[0]) if route else None
        return conn is not None and conn.up

    @property
    def any_up(self) -> bool:
        return any(conn.up for conn in self._conns.values())

    def subscriptions(self) -> set[str]:
        return {channel for conn in self._conns.values() for channel in conn.channels}

    def sessions(self) -> int:
        return sum(conn.sessions for conn in self._conns.values())

    def _delays(self) -> Iterator[float]:
        delay = self.backoff_initial_s
        while True:
            yield delay
            delay = min(delay * 2, self.backoff_max_s)

    async def _run(self, conn: _Connection) -> None:
        delays = self._delays()
        while not self._closed:
            client = WebSocketClient(
                api_key=self.api_key,
                feed=self.feed,
                market=conn.market,
                secure=self.secure,
                max_reconnects=0,
                subscriptions=sorted(conn.channels),
            )
            conn.client = client
            received = conn.messages
            try:
                # a refused connection is retried inside the client with these delays
                await client.connect(
                    functools.partial(self._on_messages, conn), reconnect_delays=self._delays
                )
                log.info("polygon %s feed closed by the server", conn.market.value)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("polygon %s feed dropped: %s", conn.market.value, exc)
            finally:
                conn.up = False
                conn.client = None
            if self._closed:
                return
            if conn.messages > received:
                delays = self._delays()  # that connection worked: start the backoff over
            await asyncio.sleep(next(delays))

    async def _on_messages(self, conn: _Connection, messages: list[WebSocketMessage]) -> None:
        if not conn.up:
            conn.up = True
            conn.sessions += 1
        conn.messages += 1
        now_s = self.clock.now().timestamp()
        for m in messages:
            if isinstance(m, ForexQuote | CryptoQuote):
                key, bid, ask, ts = m.pair, m.bid_price, m.ask_price, m.timestamp
            elif isinstance(m, EquityQuote):
                key, bid, ask, ts = m.symbol, m.bid_price, m.ask_price, m.timestamp
            else:
                continue
            symbol = _SYMBOL_OF_PAIR.get(_key(key or ""))
            if symbol is None or symbol not in self._refs or bid is None or ask is None:
                continue
            if not (0 < bid <= ask):
                continue
            quote = LiveQuote(float(bid), float(ask), _seconds(ts, now_s), now_s)
            self.latest[symbol] = quote
            if self.recorder is not None:
                self.recorder.offer(symbol, quote.ts_s, quote.bid, quote.ask)

    async def close(self) -> None:
        """Close the connections and stop their tasks (no reconnect after this)."""
        self._closed = True
        for conn in self._conns.values():
            task, client = conn.task, conn.client
            conn.task = None
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.close()  # the client's loop returns: the task ends by itself
            # On Python 3.11 the client's asyncio.wait_for(recv) can swallow a cancellation that
            # lands as a message arrives, so cancel until the task is done.
            while task is not None and not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=0.5)
            conn.up = False


def _seconds(ts: float | None, default: float) -> float:
    """Polygon stamps quotes in epoch milliseconds (nanoseconds for stocks)."""
    if not ts:
        return default
    value = float(ts)
    while value > 1e11:
        value /= 1000
    return value


class LiveQuotes:
    """The quote source of the price hub and GetQuote: the live quote while Polygon's feed is up
    and has quoted the symbol within ``max_age_s``, else the replay of stored bars (simulated)."""

    def __init__(self, book: QuoteBook, stream: PolygonStream | None, clock: Clock, max_age_s: float) -> None:
        self.book = book
        self.stream = stream
        self.clock = clock
        self.max_age_s = max_age_s

    def live(self, symbol: str, now: datetime) -> Quote | None:
        if self.stream is None:
            return None
        quote = self.stream.latest.get(symbol)
        if quote is None or not self.stream.is_up(symbol):
            return None
        if self.clock.now().timestamp() - quote.received_s > self.max_age_s:
            return None
        return Quote(symbol, quote.bid, quote.ask, 0.0, now, session_at(now.astimezone(UTC)), False)

    async def quote(self, symbol: str, now: datetime) -> Quote:
        code = symbol.upper()
        return self.live(code, now) or await self.book.quote(code, now)
