"""The message bus: pub/sub for fan-out and durable streams for consumers that must not miss events.

Two implementations behind one `Bus` protocol: `InProcessBus` (the embedded run and tests) and
`RedisBus` (pub/sub with PSUBSCRIBE, streams with consumer groups). Payloads are bytes:
serialized `trading.events.v1.Event` envelopes.

Pub/sub is fire-and-forget: a subscriber gets what is published while it is subscribed, into a
bounded buffer; when it falls behind, the oldest messages are dropped and counted, and the
publisher never waits. Streams are at-least-once: an entry stays pending for its group until a
consumer acks it, and is delivered again to that consumer when it reconnects, or to another one
after `claim_idle_s`.

On Redis, readers outlive a Redis restart: a subscription reconnects with backoff and subscribes
every channel again, a stream consumer reconnects and continues from its group's last ack.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import random
import re
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Protocol

from core import metrics

if TYPE_CHECKING:
    from core.settings import Settings

log = logging.getLogger(__name__)
DEFAULT_BUFFER = 1000
DEFAULT_STREAM_MAXLEN = 100_000
_GLOB = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class Message:
    """One pub/sub message: the channel it was published on and its payload."""

    channel: str
    data: bytes


@dataclass(frozen=True)
class Delivery:
    """One stream entry handed to a durable consumer; `await ack()` once it is processed."""

    stream: str
    id: str
    data: bytes
    _ack: Callable[[], Awaitable[None]] = field(repr=False, compare=False)

    async def ack(self) -> None:
        await self._ack()


class Bus(Protocol):
    """Publish/subscribe plus durable streams."""

    async def publish(self, channel: str, data: bytes) -> None:
        """Send `data` to every current subscriber of `channel` (never blocks on subscribers)."""
        ...

    def subscribe(
        self, *channels: str, buffer: int = DEFAULT_BUFFER
    ) -> AbstractAsyncContextManager[Subscription]:
        """Subscribe to channels or glob patterns (`signals:*`); active when the context is entered."""
        ...

    async def xadd(self, stream: str, data: bytes, *, maxlen: int | None = DEFAULT_STREAM_MAXLEN) -> str:
        """Append to a durable stream; returns the entry id."""
        ...

    async def create_group(self, stream: str, group: str, start: str = "0") -> None:
        """Create a consumer group ahead of its consumers (no-op when it exists)."""
        ...

    def consume(
        self,
        stream: str,
        group: str,
        consumer: str,
        *,
        start: str = "0",
        claim_idle_s: float | None = None,
        block_s: float = 1.0,
    ) -> AsyncGenerator[Delivery, None]:
        """Entries of `stream` for consumer group `group`, at least once, until closed (`aclose()`).

        The group is created on first use, from the stream's beginning (`start="0"`) or from new
        entries only (`start="$"`). This consumer's unacked entries come first, then entries
        other consumers left unacked for `claim_idle_s` (when given), then new ones.
        """
        ...

    async def close(self) -> None: ...


class Subscription:
    """What `subscribe()` yields: an async iterator of `Message` with a bounded buffer."""

    def __init__(self, channels: Sequence[str], buffer: int) -> None:
        if buffer < 1:
            raise ValueError("buffer must be at least 1")
        self.channels = tuple(channels)
        self.dropped = 0
        self._buffer: deque[Message] = deque()
        self._limit = buffer
        self._ready = asyncio.Event()
        self._closed = False
        self._error: BaseException | None = None
        self.connected = asyncio.Event()  # set while subscribed on the broker (Redis)
        self.lost = asyncio.Event()  # set from losing the broker until subscribed again
        self.reconnects = 0

    def matches(self, channel: str) -> bool:
        return any(fnmatchcase(channel, pattern) for pattern in self.channels)

    def first_match(self, channel: str) -> str | None:
        return next((pattern for pattern in self.channels if fnmatchcase(channel, pattern)), None)

    def push(self, message: Message) -> None:
        """Buffer a message; when full, drop the oldest one."""
        if len(self._buffer) >= self._limit:
            self._buffer.popleft()
            self.dropped += 1
        self._buffer.append(message)
        self._ready.set()

    def close(self, error: BaseException | None = None) -> None:
        """End the iteration once the buffer is empty, with `error` raised if given."""
        self._error = self._error or error
        self._closed = True
        self._ready.set()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Message:
        while not self._buffer:
            if self._error is not None:
                raise self._error
            if self._closed:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        return self._buffer.popleft()


def is_pattern(channel: str) -> bool:
    return bool(_GLOB.search(channel))


class InProcessBus:
    """The bus inside one process: asyncio only, nothing survives a restart."""

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()
        self._streams: dict[str, _MemoryStream] = {}

    async def publish(self, channel: str, data: bytes) -> None:
        message = Message(channel, bytes(data))
        for sub in list(self._subscriptions):
            if sub.matches(channel):
                sub.push(message)

    @asynccontextmanager
    async def subscribe(self, *channels: str, buffer: int = DEFAULT_BUFFER) -> AsyncIterator[Subscription]:
        if not channels:
            raise ValueError("subscribe to at least one channel")
        sub = Subscription(channels, buffer)
        sub.connected.set()
        self._subscriptions.add(sub)
        try:
            yield sub
        finally:
            self._subscriptions.discard(sub)
            sub.close()

    async def xadd(self, stream: str, data: bytes, *, maxlen: int | None = DEFAULT_STREAM_MAXLEN) -> str:
        return self._stream(stream).add(bytes(data), maxlen)

    async def create_group(self, stream: str, group: str, start: str = "0") -> None:
        self._stream(stream).group(group, start)

    async def consume(
        self,
        stream: str,
        group: str,
        consumer: str,
        *,
        start: str = "0",
        claim_idle_s: float | None = None,
        block_s: float = 1.0,
    ) -> AsyncGenerator[Delivery, None]:
        log = self._stream(stream)
        state = log.group(group, start)
        for own in sorted(s for s, p in state.pending.items() if p.consumer == consumer):
            yield log.deliver(state, own, consumer)
        while True:
            seq = log.next_for(state, consumer, claim_idle_s)
            if seq is None:
                await log.wait(block_s)
            else:
                yield log.deliver(state, seq, consumer)

    async def close(self) -> None:
        for sub in list(self._subscriptions):
            sub.close()
        self._subscriptions.clear()

    def _stream(self, name: str) -> _MemoryStream:
        return self._streams.setdefault(name, _MemoryStream(name))


@dataclass
class _Pending:
    consumer: str
    delivered_at: float


@dataclass
class _GroupState:
    last_seq: int
    pending: dict[int, _Pending] = field(default_factory=dict)


class _MemoryStream:
    def __init__(self, name: str) -> None:
        self.name = name
        self.seqs: list[int] = []
        self.data: dict[int, bytes] = {}
        self.added_at: dict[int, float] = {}  # monotonic time of each entry, for the delivery lag
        self.groups: dict[str, _GroupState] = {}
        self._next_seq = 1
        self._changed = asyncio.Event()

    def add(self, data: bytes, maxlen: int | None) -> str:
        seq = self._next_seq
        self._next_seq += 1
        self.seqs.append(seq)
        self.data[seq] = data
        self.added_at[seq] = time.monotonic()
        while maxlen is not None and len(self.seqs) > maxlen:
            dropped = self.seqs.pop(0)
            self.data.pop(dropped, None)
            self.added_at.pop(dropped, None)
        self._changed.set()
        self._changed = asyncio.Event()
        return _entry_id(seq)

    def group(self, name: str, start: str) -> _GroupState:
        if name not in self.groups:
            last = self.seqs[-1] if start == "$" and self.seqs else 0
            self.groups[name] = _GroupState(last_seq=last)
        return self.groups[name]

    def next_for(self, state: _GroupState, consumer: str, claim_idle_s: float | None) -> int | None:
        if claim_idle_s is not None:
            now = time.monotonic()
            for seq, pending in sorted(state.pending.items()):
                if pending.consumer != consumer and now - pending.delivered_at >= claim_idle_s:
                    return seq
        i = bisect.bisect_right(self.seqs, state.last_seq)
        if i < len(self.seqs):
            state.last_seq = self.seqs[i]
            return state.last_seq
        return None

    def deliver(self, state: _GroupState, seq: int, consumer: str) -> Delivery:
        now = time.monotonic()
        state.pending[seq] = _Pending(consumer, now)
        added = self.added_at.get(seq)
        if added is not None:
            metrics.BUS_LAG.labels(metrics.channel_kind(self.name), "deliver").observe(now - added)

        async def ack() -> None:
            state.pending.pop(seq, None)

        return Delivery(self.name, _entry_id(seq), self.data.get(seq, b""), ack)

    async def wait(self, timeout: float) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)


def _entry_id(seq: int) -> str:
    return f"0-{seq}"


READER_STOP_S = 2.0
_CONNECTION_ERRORS = (ConnectionError, TimeoutError, OSError)


def _redis_connection_errors() -> tuple[type[BaseException], ...]:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (RedisConnectionError, RedisTimeoutError)


class Backoff:
    """Exponential backoff with jitter between reconnection attempts: 50 ms doubling to 5 s."""

    def __init__(self, first_s: float = 0.05, cap_s: float = 5.0) -> None:
        self.first_s = first_s
        self.cap_s = cap_s
        self._next_s = first_s

    def reset(self) -> None:
        self._next_s = self.first_s

    async def wait(self) -> None:
        await asyncio.sleep(self._next_s * random.uniform(0.5, 1.0))
        self._next_s = min(self.cap_s, self._next_s * 2)


@dataclass
class _PubSubLink:
    """The pub/sub connection of one subscription; replaced when Redis is reconnected."""

    pubsub: Any


class RedisBus:
    """The bus on Redis: pub/sub (PSUBSCRIBE for patterns) and streams with consumer groups.

    `namespace` prefixes every channel and stream key (`<namespace>:<name>`), so several
    deployments or test runs can share one Redis.
    """

    def __init__(self, url: str, namespace: str = "") -> None:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff

        # One retry on a fresh connection: after Redis restarted, every pooled connection is dead
        # and the first command on each would fail otherwise (at least once, as streams are).
        retry = Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=1)
        errors: Any = list(_redis_connection_errors())
        self._redis: Any = Redis.from_url(url, retry=retry, retry_on_error=errors)
        self._errors = _CONNECTION_ERRORS + _redis_connection_errors()
        self.lost = asyncio.Event()  # set once any reader lost Redis (then it reconnects)
        self._prefix = f"{namespace}:" if namespace else ""

    def _key(self, name: str) -> str:
        return self._prefix + name

    def _unkey(self, raw: bytes | str) -> str:
        name = raw.decode() if isinstance(raw, bytes) else raw
        return name[len(self._prefix) :]

    async def publish(self, channel: str, data: bytes) -> None:
        await self._redis.publish(self._key(channel), bytes(data))

    @asynccontextmanager
    async def subscribe(self, *channels: str, buffer: int = DEFAULT_BUFFER) -> AsyncIterator[Subscription]:
        if not channels:
            raise ValueError("subscribe to at least one channel")
        sub = Subscription(channels, buffer)
        link = _PubSubLink(self._redis.pubsub())
        try:
            await self._start(link.pubsub, sub)
            reader = asyncio.create_task(self._read(link, sub))
            try:
                yield sub
            finally:
                reader.cancel()
                # Bounded: a reader blocked inside the client may not see the cancel until its
                # connection closes (below), and a shutdown must never wait on it for ever.
                await asyncio.wait({reader}, timeout=READER_STOP_S)
        finally:
            sub.close()
            await link.pubsub.aclose()

    async def _start(self, pubsub: Any, sub: Subscription) -> None:
        """Subscribe and wait for every confirmation, so a publish right after is received."""
        patterns = [self._key(c) for c in sub.channels if is_pattern(c)]
        literals = [self._key(c) for c in sub.channels if not is_pattern(c)]
        if patterns:
            await pubsub.psubscribe(*patterns)
        if literals:
            await pubsub.subscribe(*literals)
        confirmed = 0
        while confirmed < len(set(patterns)) + len(set(literals)):
            raw = await pubsub.get_message(timeout=5.0)
            if raw is None:
                raise ConnectionError("Redis did not confirm the subscription")
            if raw["type"] in ("subscribe", "psubscribe"):
                confirmed += 1
            else:
                self._deliver(raw, sub)
        sub.lost.clear()
        sub.connected.set()

    async def _read(self, link: _PubSubLink, sub: Subscription) -> None:
        """Hand messages to `sub`; when the connection is lost (Redis restarted), reconnect with
        backoff and subscribe every channel again. Messages published meanwhile are not received
        (pub/sub keeps nothing); durable consumers use streams."""
        try:
            while True:
                try:
                    raw = await link.pubsub.get_message(timeout=None)
                except self._errors:
                    sub.connected.clear()
                    sub.lost.set()
                    self.lost.set()
                    await self._resubscribe(link, sub)
                    continue
                if raw is not None:
                    self._deliver(raw, sub)
        finally:
            sub.connected.clear()
            sub.close()

    async def _resubscribe(self, link: _PubSubLink, sub: Subscription) -> None:
        backoff = Backoff()
        while True:
            with suppress(Exception):
                await link.pubsub.aclose()
            link.pubsub = self._redis.pubsub()
            try:
                await self._start(link.pubsub, sub)
            except self._errors:
                await backoff.wait()
                continue
            sub.reconnects += 1
            metrics.BUS_RECONNECTS.labels("pubsub").inc()
            log.warning("bus subscription restored", extra={"fields": {"channels": len(sub.channels)}})
            return

    def _deliver(self, raw: dict[str, Any], sub: Subscription) -> None:
        """Push a message once, although Redis sends it for every matching channel and pattern."""
        if raw["type"] not in ("message", "pmessage"):
            return
        channel = self._unkey(raw["channel"])
        via = self._unkey(raw["pattern"]) if raw["type"] == "pmessage" else channel
        if sub.first_match(channel) == via:
            sub.push(Message(channel, raw["data"]))

    async def xadd(self, stream: str, data: bytes, *, maxlen: int | None = DEFAULT_STREAM_MAXLEN) -> str:
        entry_id = await self._redis.xadd(
            self._key(stream), {"d": bytes(data)}, maxlen=maxlen, approximate=True
        )
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def consume(
        self,
        stream: str,
        group: str,
        consumer: str,
        *,
        start: str = "0",
        claim_idle_s: float | None = None,
        block_s: float = 1.0,
    ) -> AsyncGenerator[Delivery, None]:
        key = self._key(stream)
        backoff = Backoff()
        while True:
            try:
                async for delivery in self._consume_once(
                    stream, key, group, consumer, start, claim_idle_s, block_s
                ):
                    backoff.reset()
                    yield delivery
            except self._errors:
                # Redis restarted or unreachable: the group keeps its last delivered id and its
                # pending entries there, so after reconnecting this consumer reads its own
                # unacked entries again, then new ones.
                log.warning("bus stream read failed; reconnecting", extra={"fields": {"stream": stream}})
                self.lost.set()
                metrics.BUS_RECONNECTS.labels("stream").inc()
                await backoff.wait()
            except Exception as exc:
                if "NOGROUP" not in str(exc):
                    raise
                # Redis came back empty (it keeps nothing on disk): the stream and its group are
                # made again from the start; what was published before the restart is gone there,
                # and the outbox publishes again whatever was not confirmed.
                log.warning("bus stream group lost; creating it again", extra={"fields": {"stream": stream}})
                self.lost.set()
                metrics.BUS_RECONNECTS.labels("stream").inc()
                await backoff.wait()

    async def _consume_once(
        self,
        stream: str,
        key: str,
        group: str,
        consumer: str,
        start: str,
        claim_idle_s: float | None,
        block_s: float,
    ) -> AsyncGenerator[Delivery, None]:
        await self.create_group(stream, group, start)
        cursor = "0"
        while True:  # this consumer's own pending entries first
            entries = await self._read_group(key, group, consumer, cursor, None)
            if not entries:
                break
            for entry_id, data in entries:
                cursor = entry_id
                if data is None:  # trimmed away while pending: nothing left to deliver
                    await self._redis.xack(key, group, entry_id)
                    continue
                yield self._delivery(stream, key, group, entry_id, data)
        while True:
            if claim_idle_s is not None:
                for entry_id, data in await self._claim(key, group, consumer, claim_idle_s):
                    yield self._delivery(stream, key, group, entry_id, data)
            for entry_id, data in await self._read_group(key, group, consumer, ">", block_s):
                if data is not None:
                    yield self._delivery(stream, key, group, entry_id, data)

    async def create_group(self, stream: str, group: str, start: str = "0") -> None:
        from redis.exceptions import ResponseError

        try:
            await self._redis.xgroup_create(self._key(stream), group, id=start, mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _read_group(
        self, key: str, group: str, consumer: str, cursor: str, block_s: float | None
    ) -> list[tuple[str, bytes | None]]:
        block = None if block_s is None else max(1, int(block_s * 1000))
        reply = await self._redis.xreadgroup(group, consumer, {key: cursor}, count=64, block=block)
        if not reply:
            return []
        _key, entries = reply[0]
        return [(_text(entry_id), fields.get(b"d", b"") if fields else None) for entry_id, fields in entries]

    async def _claim(self, key: str, group: str, consumer: str, idle_s: float) -> list[tuple[str, bytes]]:
        reply = await self._redis.xautoclaim(key, group, consumer, int(idle_s * 1000), "0-0", count=64)
        entries = reply[1]
        return [(_text(entry_id), fields.get(b"d", b"")) for entry_id, fields in entries if fields]

    def _delivery(self, stream: str, key: str, group: str, entry_id: str, data: bytes) -> Delivery:
        async def ack() -> None:
            try:
                await self._redis.xack(key, group, entry_id)
            except self._errors:  # stays pending: delivered again once Redis is back
                log.warning(
                    "bus ack lost; the entry will be delivered again", extra={"fields": {"stream": stream}}
                )

        observe_delivery(stream, entry_id)
        return Delivery(stream, entry_id, data, ack)

    async def close(self) -> None:
        await self._redis.aclose()


def observe_delivery(stream: str, entry_id: str) -> None:
    """Publish-to-deliver lag of a stream entry: its id starts with Redis' wall time in ms."""
    try:
        added_ms = int(entry_id.split("-", 1)[0])
    except ValueError:
        return
    lag_s = time.time() - added_ms / 1000  # wall time on purpose: the id is Redis' wall time
    metrics.BUS_LAG.labels(metrics.channel_kind(stream), "deliver").observe(max(0.0, lag_s))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def make_bus(settings: Settings, namespace: str = "") -> Bus:
    """Redis when `settings.redis_url` is set, else the in-process bus."""
    if settings.redis_url:
        return RedisBus(settings.redis_url, namespace=namespace)
    return InProcessBus()
