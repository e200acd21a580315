"""Domain values to protobuf messages (and timestamps back)."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from google.protobuf.timestamp_pb2 import Timestamp
from trading.market.v1 import market_messages_pb2 as pb

from core.convert import timestamp
from core.db import decimal_str
from quant.bars import Bars
from quant.trading_hours import SESSION_WINDOWS
from svc_market.analytics import IndicatorPoint
from svc_market.candles import Freshness
from svc_market.catalogue import BY_SYMBOL, HOURS
from svc_market.health import DataHealth
from svc_market.models import Symbol, SyncJob
from svc_market.quotes import Quote
from svc_market.spreads import SpreadSummary
from svc_market.sync import TickerStatus
from svc_market.watchlists import WatchlistView

ASSET_TYPES = {
    "forex": pb.ASSET_TYPE_FOREX,
    "crypto": pb.ASSET_TYPE_CRYPTO,
    "index": pb.ASSET_TYPE_INDEX,
    "commodity": pb.ASSET_TYPE_COMMODITY,
    "stock": pb.ASSET_TYPE_STOCK,
}
ASSET_TYPE_NAMES = {v: k for k, v in ASSET_TYPES.items()}
SESSIONS = {
    "asian": pb.SESSION_ASIAN,
    "london": pb.SESSION_LONDON,
    "new_york": pb.SESSION_NEW_YORK,
    "off_hours": pb.SESSION_OFF_HOURS,
}
SESSION_NAMES = {v: k for k, v in SESSIONS.items()}


def ts_from_epoch(seconds: int) -> Timestamp:
    return Timestamp(seconds=int(seconds))


def epoch_or_none(message: object, field: str) -> int | None:
    return getattr(message, field).seconds if message.HasField(field) else None  # type: ignore[attr-defined]


def symbol_info(row: Symbol) -> pb.SymbolInfo:
    hours = HOURS[row.hours]
    return pb.SymbolInfo(
        ticker_id=row.id,
        symbol=row.symbol,
        name=row.name,
        asset_type=ASSET_TYPES[row.asset_type],
        provider_ticker=row.provider_ticker,
        pip_size=decimal_str(row.pip_size),
        price_precision=row.price_precision,
        contract_size=decimal_str(row.contract_size),
        min_lot=decimal_str(row.min_lot),
        max_lot=decimal_str(row.max_lot),
        lot_step=decimal_str(row.lot_step),
        quote_currency=row.quote_currency,
        hours=pb.TradingHours(
            name=hours.label,
            weekdays=list(hours.weekdays),
            open_utc=hours.open_utc,
            close_utc=hours.close_utc,
            code=hours.code,
        ),
        spreads=modelled_spreads(row.symbol),
    )


def modelled_spreads(symbol: str) -> list[pb.ModelledSpread]:
    """The catalogue's spread model of a symbol in price units (pips times the pip size)."""
    spec = BY_SYMBOL.get(symbol)
    if spec is None:
        return []
    return [
        pb.ModelledSpread(session=SESSIONS[name], spread=decimal_str(Decimal(str(pips)) * spec.pip_size))
        for name, pips in spec.spread_pips.items()
    ]


def session_windows() -> list[pb.SessionWindow]:
    return [
        pb.SessionWindow(session=SESSIONS[name], start_utc=start, end_utc=end)
        for name, start, end in SESSION_WINDOWS
    ]


def candles(bars: Bars) -> list[pb.Candle]:
    return [
        pb.Candle(time=Timestamp(seconds=t), open=o, high=h, low=lo, close=c, volume=v)
        for t, o, h, lo, c, v in bars.rows()
    ]


def freshness(f: Freshness) -> pb.Freshness:
    out = pb.Freshness(
        age_seconds=f.age_s, stale=f.stale, provider_available=f.provider_available, simulated=f.simulated
    )
    if f.last_bar_ts is not None:
        out.last_bar_time.CopyFrom(Timestamp(seconds=f.last_bar_ts))
    return out


def candles_response(symbol: str, tf: str, bars: Bars, fresh: Freshness) -> pb.GetCandlesResponse:
    return pb.GetCandlesResponse(
        symbol=symbol, tf=tf, candles=candles(bars), freshness=freshness(fresh), source=fresh.source
    )


def quote_response(q: Quote) -> pb.GetQuoteResponse:
    return pb.GetQuoteResponse(quote=quote(q), session=SESSIONS[q.session], spread=q.spread)


def quote(q: Quote) -> pb.StreamPricesResponse:
    return pb.StreamPricesResponse(
        symbol=q.symbol,
        bid=q.bid,
        ask=q.ask,
        price=q.mid,
        volume=q.volume,
        timestamp=timestamp(q.ts),
        simulated=q.simulated,
    )


def indicator_point(p: IndicatorPoint) -> pb.IndicatorPoint:
    values = {k: v for k, v in p.values.items() if v is not None}
    phase = cast(pb.AmdPhase, p.amd_phase)
    return pb.IndicatorPoint(time=Timestamp(seconds=p.ts), close=p.close, amd_phase=phase, **values)


def watchlist(w: WatchlistView) -> pb.Watchlist:
    return pb.Watchlist(
        watchlist_id=w.id,
        name=w.name,
        position=w.position,
        items=[pb.WatchlistItem(symbol=s, position=i) for i, s in enumerate(w.symbols)],
        created_at=timestamp(w.created_at),
        updated_at=timestamp(w.updated_at),
    )


def data_health(health: DataHealth) -> pb.GetDataHealthResponse:
    return pb.GetDataHealthResponse(
        status=health.status,
        providers=[
            pb.ProviderHealth(
                name=p.name,
                enabled=p.enabled,
                available=p.available,
                retry_after_seconds=p.retry_after_s,
                active=p.active,
            )
            for p in health.providers
        ],
    )


def ticker_status(t: TickerStatus) -> pb.TickerSyncStatus:
    item = pb.TickerSyncStatus(
        ticker_id=t.ticker_id,
        symbol=t.symbol,
        records_count=t.records_count,
        running_job_id=t.running_job_id,
    )
    if t.last_sync is not None:
        item.last_sync.CopyFrom(timestamp(t.last_sync))
    if t.last_bar_ts is not None:
        item.last_bar_time.CopyFrom(ts_from_epoch(t.last_bar_ts))
    return item


def sync_status(tickers: list[TickerStatus], provider_available: bool) -> pb.GetSyncStatusResponse:
    return pb.GetSyncStatusResponse(
        tickers=[ticker_status(t) for t in tickers], provider_available=provider_available
    )


JOB_STATES = {
    "queued": pb.SYNC_JOB_STATE_QUEUED,
    "running": pb.SYNC_JOB_STATE_RUNNING,
    "succeeded": pb.SYNC_JOB_STATE_SUCCEEDED,
    "failed": pb.SYNC_JOB_STATE_FAILED,
}


def sync_job(job: SyncJob, symbol: str) -> pb.SyncJob:
    item = pb.SyncJob(
        job_id=job.id,
        ticker_id=job.symbol_id,
        symbol=symbol,
        records=job.records,
        error=job.error,
        state=JOB_STATES[job.state],
        created_at=timestamp(job.created_at),
    )
    if job.finished_at is not None:
        item.finished_at.CopyFrom(timestamp(job.finished_at))
    return item


def sync_history(status: TickerStatus, jobs: list[SyncJob]) -> pb.GetSyncHistoryResponse:
    out = pb.GetSyncHistoryResponse(
        records_count=status.records_count, jobs=[sync_job(j, status.symbol) for j in jobs]
    )
    if status.last_sync is not None:
        out.last_sync.CopyFrom(timestamp(status.last_sync))
    return out


def spreads(summary: SpreadSummary) -> pb.GetSpreadsResponse:
    return pb.GetSpreadsResponse(
        symbol=summary.symbol,
        avg_spread=summary.avg,
        min=summary.min,
        max=summary.max,
        sessions=[
            pb.SessionSpread(
                session=SESSIONS[s.session], avg_spread=s.avg, min=s.min, max=s.max, samples=s.samples
            )
            for s in summary.sessions
        ],
    )
