"""Counters, locks and short-lived values: Redis, or memory for the embedded run and tests.

Values are bytes; counters are stored as their decimal text (`b"3"`), as Redis does, so `get`
reads a counter on both implementations. TTLs are seconds (floats; Redis keeps milliseconds).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from core.clock import Clock

if TYPE_CHECKING:
    from core.settings import Settings


class KeyValue(Protocol):
    """A small key-value store with expiry and atomic counters."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None: ...

    async def set_nx(self, key: str, value: bytes, ttl_s: float | None) -> bool:
        """Set only if absent (a lock); True when this call set it."""
        ...

    async def delete(self, key: str) -> None: ...

    async def delete_if_equals(self, key: str, value: bytes) -> bool:
        """Delete only if it still holds `value` (releasing a lock this caller owns)."""
        ...

    async def incr(self, key: str, amount: int = 1, ttl_s: float | None = None) -> int:
        """Add to a counter; `ttl_s` is applied only when this call creates the key."""
        ...

    async def incr_window(self, key: str, limit: int, window_s: float) -> tuple[bool, int, float]:
        """Count one hit in a fixed window that starts at the first hit and lasts `window_s`.

        Returns (allowed, count, retry_after_s): allowed while count <= limit; retry_after_s is
        the time left in the window when refused, else 0.
        """
        ...

    async def uncount(self, key: str) -> None:
        """Take one back from a live counter (a hit that should not have counted); never below 0,
        and nothing when the key has expired, so a refund never outlives its window."""
        ...

    async def expire(self, key: str, ttl_s: float) -> bool:
        """Set a key's TTL; False when the key does not exist."""
        ...

    async def ttl(self, key: str) -> float | None:
        """Seconds left, or None when the key is missing or never expires."""
        ...

    async def close(self) -> None: ...


@dataclass
class _Entry:
    value: bytes
    expires_at: datetime | None


class MemoryKeyValue:
    """KeyValue in a dict; time comes from the clock, so tests can drive expiry.

    Bounded: at most `max_keys` keys. Making room for a new key first drops the expired ones,
    then the least recently used, so a flood of new keys (one counter per client address) cannot
    grow memory without bound; `evicted` counts the live keys dropped that way.
    """

    def __init__(self, clock: Clock | None = None, max_keys: int = 100_000) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._clock = clock or Clock()
        self._data: OrderedDict[str, _Entry] = OrderedDict()
        self.max_keys = max_keys
        self.evicted = 0

    def _live(self, key: str) -> _Entry | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= self._clock.now():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return entry

    def _put(self, key: str, entry: _Entry) -> _Entry:
        if key not in self._data and len(self._data) >= self.max_keys:
            self._make_room()
        self._data[key] = entry
        self._data.move_to_end(key)
        return entry

    def _make_room(self) -> None:
        now = self._clock.now()
        for key in [k for k, e in self._data.items() if e.expires_at is not None and e.expires_at <= now]:
            del self._data[key]
        while len(self._data) >= self.max_keys:
            self._data.popitem(last=False)
            self.evicted += 1

    def _expiry(self, ttl_s: float | None) -> datetime | None:
        return None if ttl_s is None else self._clock.now() + timedelta(seconds=ttl_s)

    async def get(self, key: str) -> bytes | None:
        entry = self._live(key)
        return None if entry is None else entry.value

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None:
        self._put(key, _Entry(bytes(value), self._expiry(ttl_s)))

    async def set_nx(self, key: str, value: bytes, ttl_s: float | None) -> bool:
        if self._live(key) is not None:
            return False
        self._put(key, _Entry(bytes(value), self._expiry(ttl_s)))
        return True

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def delete_if_equals(self, key: str, value: bytes) -> bool:
        entry = self._live(key)
        if entry is None or entry.value != value:
            return False
        del self._data[key]
        return True

    async def incr(self, key: str, amount: int = 1, ttl_s: float | None = None) -> int:
        entry = self._live(key)
        if entry is None:
            entry = self._put(key, _Entry(b"0", self._expiry(ttl_s)))
        try:
            count = int(entry.value) + amount
        except ValueError:
            raise ValueError(f"{key!r} does not hold an integer") from None
        entry.value = str(count).encode()
        return count

    async def incr_window(self, key: str, limit: int, window_s: float) -> tuple[bool, int, float]:
        count = await self.incr(key, 1, ttl_s=window_s)
        if count <= limit:
            return True, count, 0.0
        return False, count, (await self.ttl(key)) or window_s

    async def uncount(self, key: str) -> None:
        entry = self._live(key)
        if entry is not None and int(entry.value) > 0:
            entry.value = str(int(entry.value) - 1).encode()

    async def expire(self, key: str, ttl_s: float) -> bool:
        entry = self._live(key)
        if entry is None:
            return False
        entry.expires_at = self._expiry(ttl_s)
        return True

    async def ttl(self, key: str) -> float | None:
        entry = self._live(key)
        if entry is None or entry.expires_at is None:
            return None
        return (entry.expires_at - self._clock.now()).total_seconds()

    async def close(self) -> None:
        self._data.clear()


_INCR = """
local existed = redis.call('EXISTS', KEYS[1])
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return n
"""

# A window key without a TTL (written by a plain SET) would refuse its caller forever: give it one.
_INCR_WINDOW = """
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
"""

_UNCOUNT = """
local n = tonumber(redis.call('GET', KEYS[1]))
if n ~= nil and n > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""

_DELETE_IF_EQUALS = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


class RedisKeyValue:
    """KeyValue on Redis; `namespace` prefixes every key (`<namespace>:<key>`)."""

    def __init__(self, url: str, namespace: str = "", max_connections: int = 64) -> None:
        from redis.asyncio import BlockingConnectionPool, Redis

        # Bounded and blocking: a burst of calls waits for a connection rather than opening one each.
        pool: Any = BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=10)
        self._redis: Any = Redis(connection_pool=pool)
        self._prefix = f"{namespace}:" if namespace else ""
        self._incr = self._redis.register_script(_INCR)
        self._incr_window = self._redis.register_script(_INCR_WINDOW)
        self._delete_if_equals = self._redis.register_script(_DELETE_IF_EQUALS)
        self._uncount = self._redis.register_script(_UNCOUNT)

    def _key(self, key: str) -> str:
        return self._prefix + key

    async def get(self, key: str) -> bytes | None:
        value: bytes | None = await self._redis.get(self._key(key))
        return value

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None:
        await self._redis.set(self._key(key), bytes(value), px=None if ttl_s is None else _ms(ttl_s))

    async def set_nx(self, key: str, value: bytes, ttl_s: float | None) -> bool:
        px = None if ttl_s is None else _ms(ttl_s)
        return bool(await self._redis.set(self._key(key), bytes(value), px=px, nx=True))

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._key(key))

    async def delete_if_equals(self, key: str, value: bytes) -> bool:
        return bool(await self._delete_if_equals(keys=[self._key(key)], args=[bytes(value)]))

    async def incr(self, key: str, amount: int = 1, ttl_s: float | None = None) -> int:
        ttl_ms = 0 if ttl_s is None else _ms(ttl_s)
        return int(await self._incr(keys=[self._key(key)], args=[amount, ttl_ms]))

    async def incr_window(self, key: str, limit: int, window_s: float) -> tuple[bool, int, float]:
        count, ttl_ms = await self._incr_window(keys=[self._key(key)], args=[_ms(window_s)])
        if int(count) <= limit:
            return True, int(count), 0.0
        return False, int(count), int(ttl_ms) / 1000

    async def uncount(self, key: str) -> None:
        await self._uncount(keys=[self._key(key)])

    async def expire(self, key: str, ttl_s: float) -> bool:
        return bool(await self._redis.pexpire(self._key(key), _ms(ttl_s)))

    async def ttl(self, key: str) -> float | None:
        ttl_ms = int(await self._redis.pttl(self._key(key)))
        return None if ttl_ms < 0 else ttl_ms / 1000

    async def close(self) -> None:
        await self._redis.aclose()


def make_kv(settings: Settings, clock: Clock | None = None, namespace: str = "") -> KeyValue:
    """Redis when `settings.redis_url` is set, else memory driven by `clock`."""
    if settings.redis_url:
        return RedisKeyValue(settings.redis_url, namespace=namespace)
    return MemoryKeyValue(clock)
