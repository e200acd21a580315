"""Live quotes from Polygon's WebSocket, through massive's ``WebSocketClient`` (a QuotesProvider).

One connection per Polygon market (forex for currencies and metals, crypto, stocks), opened when
the first symbol of that market is wanted. Subscriptions are counted per symbol: the PriceHub
acquires a symbol when its feed starts and releases it when the feed stops, so however many
clients stream a symbol there is one upstream subscription. The newest quote per symbol is kept
and every accepted quote is offered to the listeners (the quote recorder, the bar builder). A
dropped connection is reopened with exponential backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit

from massive import WebSocketClient
from massive.websocket.models import CryptoQuote, EquityQuote, ForexQuote, Market, WebSocketMessage

from core.clock import Clock
from svc_market.catalogue import BY_SYMBOL, SymbolSpec
from svc_market.providers import LiveQuote, QuoteListener

log = logging.getLogger("svc_market.adapters.polygon.quotes")

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


class _Connection:
    def __init__(self, market: Market) -> None:
        self.market = market
        self.channels: set[str] = set()
        self.client: WebSocketClient | None = None
        self.task: asyncio.Task[None] | None = None
        self.up = False
        self.sessions = 0  # connections that delivered data
        self.messages = 0


class PolygonQuotes:
    """Quote subscriptions on Polygon's WebSocket, shared per symbol; the newest quote of each."""

    name = "polygon_ws"
    enabled = True

    def __init__(
        self,
        api_key: str,
        url: str,
        clock: Clock,
        listeners: Sequence[QuoteListener] = (),
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 60.0,
    ) -> None:
        parsed = urlsplit(url if "://" in url else f"wss://{url}")
        self.api_key = api_key
        self.secure = parsed.scheme == "wss"
        self.feed = parsed.netloc
        self.clock = clock
        self.listeners = list(listeners)
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self._latest: dict[str, LiveQuote] = {}
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
        self._latest.pop(symbol, None)
        route = channel_of(BY_SYMBOL[symbol]) if self.supports(symbol) else None
        conn = self._conns.get(route[0]) if route else None
        if route is None or conn is None:
            return
        conn.channels.discard(route[1])
        if conn.client is not None:
            conn.client.unsubscribe(route[1])

    def latest(self, symbol: str) -> LiveQuote | None:
        return self._latest.get(symbol) if self.is_up(symbol) else None

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
            await self.clock.sleep(next(delays))

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
            self._latest[symbol] = quote
            for listener in self.listeners:
                listener.offer(symbol, quote.ts_s, quote.bid, quote.ask)

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
