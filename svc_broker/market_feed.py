"""Filling the broker's PriceSource and SymbolCatalog from svc_market in a running service:
the instruments over gRPC (retried until market answers, then refreshed: a cache, never a copy
of its own), quotes from `ticker:{symbol}` price_update events on the bus."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC
from decimal import Decimal
from typing import Any

from trading.events.v1.events_envelope_pb2 import Event
from trading.market.v1 import market_messages_pb2 as mpb

from core.bus import Bus
from quant.trading_hours import Hours
from svc_broker.market import Quote, QuoteBook, StaticSymbolCatalog, SymbolSpec
from svc_broker.values import Symbol
from svc_broker.venues.paper.monitor import PriceMonitor

log = logging.getLogger(__name__)

_ASSET_CLASS = {
    mpb.ASSET_TYPE_FOREX: "fx",
    mpb.ASSET_TYPE_CRYPTO: "crypto",
    mpb.ASSET_TYPE_INDEX: "index",
    mpb.ASSET_TYPE_COMMODITY: "metal",
    mpb.ASSET_TYPE_STOCK: "stock",
}


def _session_name(session: int) -> str:
    """The contract's session as quant.trading_hours names it: SESSION_NEW_YORK is new_york."""
    return mpb.Session.Name(session).removeprefix("SESSION_").lower()  # type: ignore[arg-type]


def _dec(text: str, default: str) -> Decimal:
    return Decimal(text) if text else Decimal(default)


def spec_from_market(info: Any) -> SymbolSpec:
    """A svc_market SymbolInfo as the broker's SymbolSpec (limits in lots become units)."""
    contract = _dec(info.contract_size, "1")
    quote_ccy = info.quote_currency or "USD"
    code = info.symbol
    base = code[: -len(quote_ccy)] if code.endswith(quote_ccy) and len(code) > len(quote_ccy) else code
    hours = info.hours
    return SymbolSpec(
        symbol=code,
        asset_class=_ASSET_CLASS.get(info.asset_type, "fx"),
        base_currency=base,
        quote_currency=quote_ccy,
        contract_size=contract,
        pip_size=_dec(info.pip_size, "0.0001"),
        min_units=_dec(info.min_lot, "0.01") * contract,
        max_units=_dec(info.max_lot, "100") * contract,
        unit_step=_dec(info.lot_step, "0.01") * contract,
        hours=Hours(hours.code, hours.name, tuple(hours.weekdays), hours.open_utc, hours.close_utc),
        spreads={_session_name(s.session): Decimal(s.spread) for s in info.spreads},
    )


async def load_symbols(market_stub: Any, catalog: StaticSymbolCatalog) -> bool:
    """Replace the catalog with svc_market's instruments. Returns whether market answered; until
    it first does, the broker refuses orders as UNAVAILABLE rather than guess."""
    try:
        reply = await market_stub.ListSymbols(mpb.ListSymbolsRequest())
    except Exception as exc:  # svc_market down or not started yet: keep what was read before
        log.warning("could not read instruments from market (%s)", exc)
        return False
    catalog.replace(spec_from_market(info) for info in reply.symbols)
    return True


async def keep_symbols(
    market_stub: Any, catalog: StaticSymbolCatalog, *, retry_s: float = 5.0, refresh_s: float = 3600.0
) -> None:
    """Load market's symbols, retrying until market answers (in a split run it may start later),
    then refresh them now and then (new listings, changed lot limits)."""
    while True:
        answered = await load_symbols(market_stub, catalog)
        await asyncio.sleep(refresh_s if answered else retry_s)


def quote_from_event(data: bytes) -> Quote | None:
    event = Event.FromString(data)
    if event.WhichOneof("payload") != "price_update":
        return None
    update = event.price_update
    # Doubles on the wire (market series); repr gives the shortest decimal that round-trips.
    return Quote(
        Symbol(update.symbol),
        Decimal(repr(update.bid)),
        Decimal(repr(update.ask)),
        update.timestamp.ToDatetime(tzinfo=UTC),
    )


async def follow_tickers(bus: Bus, book: QuoteBook, monitor: PriceMonitor) -> None:
    """Background task: every price_update becomes the latest quote and a monitor tick."""
    async with bus.subscribe("ticker:*") as subscription:
        async for message in subscription:
            try:
                quote = quote_from_event(message.data)
            except Exception:
                log.exception("unreadable event on %s", message.channel)
                continue
            if quote is None or quote.bid <= 0 or quote.ask < quote.bid:
                continue
            book.update(quote)
            await monitor.on_tick(quote)
