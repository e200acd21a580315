"""Polygon aggregates through the ``massive`` client: 5-minute bars, rate-limit aware."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import numpy as np
from massive import RESTClient

from quant.bars import Bars
from svc_market.providers import BarsRequest, ProviderError, RateLimited


def _classify(exc: Exception) -> Exception:
    # with retries=0, urllib3 reports a 429 as MaxRetryError("... too many 429 error responses")
    text = str(exc)
    if "too many 429 error" in text:
        return RateLimited(text)
    return ProviderError(text)


class _AggsCursor:
    """One `list_aggs` page iterator (it follows ``next_url``), read in chunks off the event loop."""

    def __init__(self, aggs: Iterator[Any]) -> None:
        self.aggs = aggs

    async def next_chunk(self, size: int) -> Bars:
        return await asyncio.to_thread(self._take, size)

    def _take(self, size: int) -> Bars:
        rows: list[tuple[float, ...]] = []
        try:
            for agg in self.aggs:
                if agg.timestamp is None or agg.open is None:
                    continue
                rows.append(
                    (agg.timestamp // 1000, agg.open, agg.high, agg.low, agg.close, agg.volume or 0.0)
                )
                if len(rows) >= size:
                    break
        except Exception as exc:
            raise _classify(exc) from exc
        return to_bars(rows)


class PolygonBars:
    """A BarsProvider reading Polygon's 5-minute aggregates page by page."""

    name = "polygon"

    def __init__(self, api_key: str, base_url: str, page_limit: int = 50_000) -> None:
        self.client = RESTClient(api_key=api_key, base=base_url.rstrip("/"), retries=0, pagination=True)
        self.page_limit = page_limit

    def open(self, request: BarsRequest) -> _AggsCursor:
        aggs = self.client.list_aggs(
            request.provider_ticker,
            5,
            "minute",
            request.start_s * 1000,
            request.end_s * 1000,
            adjusted=True,
            sort="asc",
            limit=self.page_limit,
        )
        return _AggsCursor(iter(aggs))


def to_bars(rows: list[tuple[float, ...]]) -> Bars:
    """Bars from (ts, open, high, low, close, volume) rows, sorted, one per timestamp."""
    if not rows:
        return Bars.empty()
    table = np.array(rows, dtype=np.float64)
    ts = table[:, 0].astype(np.int64)
    _, unique = np.unique(ts, return_index=True)
    table, ts = table[unique], ts[unique]
    return Bars(ts, table[:, 1], table[:, 2], table[:, 3], table[:, 4], table[:, 5])
