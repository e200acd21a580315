"""The lowest layer of bar storage: reading base bars into numpy columns and the dialect's upsert.

Both `bar_store` (writes of base bars) and `rollups` (stored coarse candles) build on it, so
neither needs the other's reads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from quant.bars import Bars
from svc_market.models import Bar


def upsert_insert(session: AsyncSession) -> Any:
    """The dialect's INSERT that knows ON CONFLICT (SQLite or PostgreSQL)."""
    return sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert


def bars_from_rows(rows: Any) -> Bars:
    """Bars from (ts, open, high, low, close, volume) rows, oldest first."""
    if not rows:
        return Bars.empty()
    # plain tuples: numpy reading SQLAlchemy Row objects directly is ~30 times slower
    table = np.array([tuple(r) for r in rows], dtype=np.float64)
    return Bars(
        ts=table[:, 0].astype(np.int64),
        open=table[:, 1],
        high=table[:, 2],
        low=table[:, 3],
        close=table[:, 4],
        volume=table[:, 5],
    )


async def load_bars(
    session: AsyncSession, symbol_id: int, resolution_s: int, start_ts: int | None, end_ts: int | None
) -> Bars:
    """Bars with start_ts <= ts < end_ts (None: unbounded), oldest first (one primary-key range scan)."""
    stmt = select(Bar.ts, Bar.open, Bar.high, Bar.low, Bar.close, Bar.volume).where(
        Bar.symbol_id == symbol_id, Bar.resolution_s == resolution_s
    )
    if start_ts is not None:
        stmt = stmt.where(Bar.ts >= start_ts)
    if end_ts is not None:
        stmt = stmt.where(Bar.ts < end_ts)
    rows = (await session.execute(stmt.order_by(Bar.ts))).all()
    return bars_from_rows(rows)
