"""Spread statistics by session: from recorded quotes where there are any, else the spread model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from quant.trading_hours import SESSIONS
from svc_market.catalogue import BY_SYMBOL
from svc_market.models import Quote as QuoteRow
from svc_market.symbols import get_symbol_by_id

MODEL_MIN, MODEL_MAX = 0.7, 2.5  # the model's min and max as multiples of its typical spread


@dataclass(frozen=True)
class SessionSpread:
    session: str
    avg: float
    min: float
    max: float
    samples: int


def _session_of_hours(hours: np.ndarray) -> np.ndarray:
    return np.select([hours < 8, hours < 13, hours < 22], [0, 1, 2], 3)


async def spreads_by_session(
    session: AsyncSession, ticker_id: int, only: str | None = None
) -> tuple[str, list[SessionSpread]]:
    symbol = await get_symbol_by_id(session, ticker_id)
    rows = (
        await session.execute(
            select(QuoteRow.ts, QuoteRow.bid, QuoteRow.ask).where(QuoteRow.symbol_id == ticker_id)
        )
    ).all()
    table = np.array(rows, dtype=np.float64).reshape(-1, 3)
    spread = table[:, 2] - table[:, 1]
    which = _session_of_hours((table[:, 0].astype(np.int64) // 3600) % 24)
    spec = BY_SYMBOL.get(symbol.symbol)
    out = []
    for index, name in enumerate(SESSIONS):
        if only and name != only:
            continue
        values = spread[which == index]
        if values.size:
            out.append(
                SessionSpread(
                    name, float(values.mean()), float(values.min()), float(values.max()), values.size
                )
            )
        else:
            typical = spec.spread_pips[name] * float(spec.pip_size) if spec else 0.0
            out.append(SessionSpread(name, typical, typical * MODEL_MIN, typical * MODEL_MAX, 0))
    return symbol.symbol, out


@dataclass(frozen=True)
class SpreadSummary:
    """GetSpreads' answer: the sessions and their overall figures."""

    symbol: str
    avg: float
    min: float
    max: float
    sessions: list[SessionSpread]


def summarize(symbol: str, stats: list[SessionSpread]) -> SpreadSummary:
    """The average weighted by samples (the plain mean where no session has samples)."""
    total = sum(s.samples for s in stats)
    weighted = sum(s.avg * s.samples for s in stats) / total if total else None
    avg = weighted if weighted is not None else sum(s.avg for s in stats) / len(stats)
    return SpreadSummary(symbol, avg, min(s.min for s in stats), max(s.max for s in stats), stats)


async def spread_summary(db: Database, ticker_id: int, only: str | None = None) -> SpreadSummary:
    async with db.session() as session:
        symbol, stats = await spreads_by_session(session, ticker_id, only)
    return summarize(symbol, stats)
