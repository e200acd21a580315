"""The legacy MySQL bar store (seed 9.1: "Polygon rate limit -> use the legacy MySQL data"), read
through aiomysql as a BarsProvider.

The store keeps 5-minute bars the way the seed's data service wrote them: a `tickers` table and
`ohlcv_5m` keyed by ticker and bar open time (DATETIME, UTC). `SCHEMA` is its layout (the tests
create it; docs/market.md describes it). Reads go forward by keyset (`timestamp > last`), one
chunk per query, on a small pool opened at the first read.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomysql
import numpy as np

from quant.bars import Bars
from svc_market.bar_store import SOURCE_LEGACY_MYSQL
from svc_market.providers import BarsRequest, ProviderError

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS tickers (
        id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        symbol VARCHAR(20) NOT NULL UNIQUE
    )""",
    """CREATE TABLE IF NOT EXISTS ohlcv_5m (
        ticker_id INT NOT NULL,
        `timestamp` DATETIME NOT NULL,
        open DOUBLE NOT NULL,
        high DOUBLE NOT NULL,
        low DOUBLE NOT NULL,
        close DOUBLE NOT NULL,
        volume DOUBLE NOT NULL DEFAULT 0,
        PRIMARY KEY (ticker_id, `timestamp`)
    )""",
)
_CHUNK_SQL = (
    "SELECT o.`timestamp`, o.open, o.high, o.low, o.close, o.volume"
    " FROM ohlcv_5m o JOIN tickers t ON t.id = o.ticker_id"
    " WHERE t.symbol = %s AND o.`timestamp` >= %s AND o.`timestamp` < %s"
    " ORDER BY o.`timestamp` LIMIT %s"
)


def connect_args(url: str) -> dict[str, Any]:
    """aiomysql's keyword arguments from `mysql://user:password@host:port/database`."""
    parts = urlsplit(url)
    if parts.scheme not in ("mysql", "mariadb") or not parts.path.strip("/"):
        raise ValueError("the legacy store URL must look like mysql://user:password@host:port/database")
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "db": parts.path.strip("/"),
    }


def naive_utc(epoch_s: int) -> datetime:
    """A DATETIME parameter: the store's times are UTC without a zone."""
    return datetime.fromtimestamp(epoch_s, UTC).replace(tzinfo=None)


def _bars(rows: list[tuple[Any, ...]]) -> Bars:
    if not rows:
        return Bars.empty()
    ts = np.array([int(r[0].replace(tzinfo=UTC).timestamp()) for r in rows], dtype=np.int64)
    table = np.array([r[1:] for r in rows], dtype=np.float64)
    return Bars(ts, table[:, 0], table[:, 1], table[:, 2], table[:, 3], table[:, 4])


class LegacyMySQLBars:
    """A BarsProvider over the legacy MySQL store."""

    name = SOURCE_LEGACY_MYSQL

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.args = connect_args(url)
        self.timeout_s = timeout_s
        self._pool: aiomysql.Pool | None = None
        self._opening = asyncio.Lock()

    async def pool(self) -> aiomysql.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await aiomysql.create_pool(
                    minsize=0,
                    maxsize=2,
                    connect_timeout=self.timeout_s,
                    autocommit=True,
                    **self.args,
                )
            return self._pool

    async def read(self, request: BarsRequest, start_s: int, size: int) -> Bars:
        """Up to `size` bars of the request's symbol from `start_s` on, oldest first."""
        params = (request.symbol, naive_utc(start_s), naive_utc(request.end_s), size)
        try:
            async with asyncio.timeout(self.timeout_s):
                pool = await self.pool()
                async with pool.acquire() as conn, conn.cursor() as cursor:
                    await cursor.execute(_CHUNK_SQL, params)
                    rows = list(await cursor.fetchall())
        except (TimeoutError, OSError, aiomysql.Error) as exc:
            raise ProviderError(f"legacy MySQL store: {exc}") from exc
        return _bars(rows)

    def open(self, request: BarsRequest) -> _LegacyCursor:
        return _LegacyCursor(self, request)

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            await self._pool.wait_closed()
            self._pool = None


class _LegacyCursor:
    def __init__(self, store: LegacyMySQLBars, request: BarsRequest) -> None:
        self.store = store
        self.request = request
        self.next_s = request.start_s

    async def next_chunk(self, size: int) -> Bars:
        chunk = await self.store.read(self.request, self.next_s, size)
        if len(chunk):
            self.next_s = int(chunk.ts[-1]) + 1
        return chunk
