"""The symbol table: seeding it from the catalogue and looking symbols up."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.errors import NotFound
from svc_market.catalogue import CATALOGUE, SymbolSpec
from svc_market.models import Symbol

ASSET_TYPES = ("forex", "crypto", "index", "commodity", "stock")


def symbol_row(spec: SymbolSpec) -> Symbol:
    """The symbol table row of a catalogue entry (not yet added to a session)."""
    return Symbol(
        symbol=spec.symbol,
        name=spec.name,
        asset_type=spec.asset_type,
        provider_ticker=spec.provider_ticker,
        pip_size=spec.pip_size,
        price_precision=spec.price_precision,
        contract_size=spec.contract_size,
        min_lot=spec.min_lot,
        max_lot=spec.max_lot,
        lot_step=spec.lot_step,
        quote_currency=spec.quote_currency,
        hours=spec.hours,
    )


async def ensure_catalogue(db: Database, specs: tuple[SymbolSpec, ...] = CATALOGUE) -> None:
    """Add the catalogue's symbols that are not in the table yet (ids stay stable)."""
    async with db.transaction() as session:
        known = set((await session.execute(select(Symbol.symbol))).scalars())
        session.add_all(symbol_row(spec) for spec in specs if spec.symbol not in known)


async def list_symbols(session: AsyncSession, asset_type: str | None = None) -> list[Symbol]:
    stmt = select(Symbol)
    if asset_type:
        stmt = stmt.where(Symbol.asset_type == asset_type)
    rows = (await session.execute(stmt)).scalars().all()
    return sorted(rows, key=lambda s: (ASSET_TYPES.index(s.asset_type), s.symbol))


async def get_symbol(session: AsyncSession, code: str) -> Symbol:
    """A symbol by code (case-insensitive), or NotFound."""
    row = (await session.execute(select(Symbol).where(Symbol.symbol == code.upper()))).scalar_one_or_none()
    if row is None:
        raise NotFound(f"unknown symbol {code!r}", reason="SYMBOL_NOT_FOUND")
    return row


async def get_symbol_by_id(session: AsyncSession, ticker_id: int) -> Symbol:
    row = await session.get(Symbol, ticker_id)
    if row is None:
        raise NotFound(f"unknown ticker_id {ticker_id}", reason="SYMBOL_NOT_FOUND")
    return row
