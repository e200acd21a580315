"""Per-user watchlists: named, ordered lists of symbols, themselves ordered."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.errors import AlreadyExists, InvalidArgument, NotFound
from svc_market.models import Symbol, Watchlist, WatchlistItem

MAX_WATCHLISTS = 50


@dataclass(frozen=True)
class WatchlistView:
    """A watchlist with its symbols in order."""

    id: str
    name: str
    position: int
    symbols: list[str]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class WatchlistChange:
    """An update: fields left None stay as they are."""

    name: str | None = None
    position: int | None = None
    symbols: list[str] | None = None


async def _symbol_ids(session: AsyncSession, codes: list[str]) -> list[int]:
    wanted = [c.upper() for c in codes]
    rows = (await session.execute(select(Symbol.symbol, Symbol.id).where(Symbol.symbol.in_(wanted)))).all()
    ids = dict(rows)
    unknown = [c for c in wanted if c not in ids]
    if unknown:
        raise InvalidArgument(
            "unknown symbols", violations=[("symbols", f"unknown symbol {c}") for c in unknown]
        )
    if len(set(wanted)) != len(wanted):
        raise InvalidArgument("a symbol appears twice", violations=[("symbols", "symbols must be unique")])
    return [ids[c] for c in wanted]


async def _owned(session: AsyncSession, user_id: str, watchlist_id: str) -> Watchlist:
    row = await session.get(Watchlist, watchlist_id)
    if row is None or row.user_id != user_id:
        raise NotFound("no such watchlist", reason="WATCHLIST_NOT_FOUND")
    return row


async def _view(session: AsyncSession, row: Watchlist) -> WatchlistView:
    symbols = (
        await session.execute(
            select(Symbol.symbol)
            .join(WatchlistItem, WatchlistItem.symbol_id == Symbol.id)
            .where(WatchlistItem.watchlist_id == row.id)
            .order_by(WatchlistItem.position)
        )
    ).scalars()
    return WatchlistView(row.id, row.name, row.position, list(symbols), row.created_at, row.updated_at)


async def _set_items(session: AsyncSession, watchlist_id: str, symbol_ids: list[int]) -> None:
    await session.execute(delete(WatchlistItem).where(WatchlistItem.watchlist_id == watchlist_id))
    session.add_all(
        WatchlistItem(watchlist_id=watchlist_id, symbol_id=sid, position=i)
        for i, sid in enumerate(symbol_ids)
    )
    await session.flush()


async def _user_lists(session: AsyncSession, user_id: str) -> list[Watchlist]:
    stmt = (
        select(Watchlist)
        .where(Watchlist.user_id == user_id)
        .order_by(Watchlist.position, Watchlist.created_at)
    )
    return list((await session.execute(stmt)).scalars())


async def list_watchlists(db: Database, user_id: str) -> list[WatchlistView]:
    async with db.session() as session:
        return [await _view(session, row) for row in await _user_lists(session, user_id)]


async def get_watchlist(db: Database, user_id: str, watchlist_id: str) -> WatchlistView:
    async with db.session() as session:
        return await _view(session, await _owned(session, user_id, watchlist_id))


async def create_watchlist(
    db: Database, user_id: str, name: str, symbols: list[str], now: datetime
) -> WatchlistView:
    try:
        async with db.transaction() as session:
            count = (
                await session.execute(select(func.count()).where(Watchlist.user_id == user_id))
            ).scalar_one()
            if count >= MAX_WATCHLISTS:
                raise InvalidArgument(f"at most {MAX_WATCHLISTS} watchlists", reason="TOO_MANY_WATCHLISTS")
            ids = await _symbol_ids(session, symbols)
            row = Watchlist(
                id=str(uuid.uuid4()),
                user_id=user_id,
                name=name,
                position=count,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            await _set_items(session, row.id, ids)
            return await _view(session, row)
    except IntegrityError:
        raise AlreadyExists(f"a watchlist named {name!r} exists", reason="WATCHLIST_EXISTS") from None


def _move(rows: list[Watchlist], moved: Watchlist, position: int) -> None:
    others = [r for r in rows if r.id != moved.id]
    others.insert(min(position, len(others)), moved)
    for index, row in enumerate(others):
        row.position = index


async def update_watchlist(
    db: Database, user_id: str, watchlist_id: str, change: WatchlistChange, now: datetime
) -> WatchlistView:
    try:
        async with db.transaction() as session:
            row = await _owned(session, user_id, watchlist_id)
            if change.name is not None:
                row.name = change.name
            if change.position is not None:
                _move(await _user_lists(session, user_id), row, change.position)
            if change.symbols is not None:
                await _set_items(session, row.id, await _symbol_ids(session, change.symbols))
            row.updated_at = now
            await session.flush()
            return await _view(session, row)
    except IntegrityError:
        raise AlreadyExists(f"a watchlist named {change.name!r} exists", reason="WATCHLIST_EXISTS") from None


async def add_symbol(
    db: Database, user_id: str, watchlist_id: str, symbol: str, position: int | None, now: datetime
) -> WatchlistView:
    current = (await get_watchlist(db, user_id, watchlist_id)).symbols
    if symbol.upper() in current:
        raise AlreadyExists(f"{symbol.upper()} is already on the list", reason="SYMBOL_ON_LIST")
    current.insert(len(current) if position is None else min(position, len(current)), symbol.upper())
    return await update_watchlist(db, user_id, watchlist_id, WatchlistChange(symbols=current), now)


async def remove_symbol(
    db: Database, user_id: str, watchlist_id: str, symbol: str, now: datetime
) -> WatchlistView:
    current = (await get_watchlist(db, user_id, watchlist_id)).symbols
    if symbol.upper() not in current:
        raise NotFound(f"{symbol.upper()} is not on the list", reason="SYMBOL_NOT_ON_LIST")
    current.remove(symbol.upper())
    return await update_watchlist(db, user_id, watchlist_id, WatchlistChange(symbols=current), now)


async def delete_watchlist(db: Database, user_id: str, watchlist_id: str) -> None:
    async with db.transaction() as session:
        row = await _owned(session, user_id, watchlist_id)
        await session.execute(delete(WatchlistItem).where(WatchlistItem.watchlist_id == row.id))
        await session.delete(row)
        await session.flush()
        for index, other in enumerate(await _user_lists(session, user_id)):
            other.position = index
