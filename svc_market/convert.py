"""Domain values to protobuf messages (and timestamps back)."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from google.protobuf.timestamp_pb2 import Timestamp
from trading.market.v1 import market_messages_pb2 as pb

from core.convert import timestamp
from core.db import decimal_str
from quant.bars import Bars
from svc_market.analytics import IndicatorPoint
from svc_market.candles import Freshness
from svc_market.catalogue import BY_SYMBOL, HOURS
from svc_market.models import Symbol
from svc_market.quotes import Quote
from svc_market.trading_hours import SESSION_WINDOWS
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
