"""Watchlists: per-user CRUD with ordering."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.errors import AlreadyExists, InvalidArgument, NotFound
from svc_market import watchlists as wl
from svc_market.models import Base
from svc_market.symbols import ensure_catalogue

NOW = datetime(2025, 1, 6, tzinfo=UTC)


@pytest.fixture
async def db(make_database):
    database = await make_database(Base.metadata)
    await ensure_catalogue(database)
    return database


async def test_lists_keep_their_order_and_symbols_theirs(db) -> None:
    a = await wl.create_watchlist(db, "u1", "majors", ["EURUSD", "GBPUSD"], NOW)
    b = await wl.create_watchlist(db, "u1", "crypto", ["BTCUSD"], NOW)
    await wl.update_watchlist(db, "u1", b.id, wl.WatchlistChange(position=0), NOW)
    await wl.add_symbol(db, "u1", a.id, "usdjpy", 0, NOW)
    lists = await wl.list_watchlists(db, "u1")
    assert [w.name for w in lists] == ["crypto", "majors"]
    assert lists[1].symbols == ["USDJPY", "EURUSD", "GBPUSD"]
    reordered = await wl.update_watchlist(
        db, "u1", a.id, wl.WatchlistChange(symbols=["GBPUSD", "EURUSD"]), NOW
    )
    assert reordered.symbols == ["GBPUSD", "EURUSD"]


async def test_another_users_list_is_not_found(db) -> None:
    mine = await wl.create_watchlist(db, "u1", "mine", [], NOW)
    with pytest.raises(NotFound):
        await wl.get_watchlist(db, "u2", mine.id)
    with pytest.raises(NotFound):
        await wl.delete_watchlist(db, "u2", mine.id)


async def test_names_are_unique_per_user_and_symbols_must_exist(db) -> None:
    await wl.create_watchlist(db, "u1", "fx", [], NOW)
    await wl.create_watchlist(db, "u2", "fx", [], NOW)
    with pytest.raises(AlreadyExists):
        await wl.create_watchlist(db, "u1", "fx", [], NOW)
    with pytest.raises(InvalidArgument):
        await wl.create_watchlist(db, "u1", "bad", ["NOTASYMBOL"], NOW)


async def test_deleting_a_list_closes_the_gap_in_positions(db) -> None:
    first = await wl.create_watchlist(db, "u1", "one", ["EURUSD"], NOW)
    await wl.create_watchlist(db, "u1", "two", [], NOW)
    await wl.delete_watchlist(db, "u1", first.id)
    lists = await wl.list_watchlists(db, "u1")
    assert [(w.name, w.position) for w in lists] == [("two", 0)]


async def test_removing_a_symbol_keeps_the_rest_in_order(db) -> None:
    w = await wl.create_watchlist(db, "u1", "fx", ["EURUSD", "GBPUSD", "USDJPY"], NOW)
    after = await wl.remove_symbol(db, "u1", w.id, "gbpusd", NOW)
    assert after.symbols == ["EURUSD", "USDJPY"]
    with pytest.raises(NotFound):
        await wl.remove_symbol(db, "u1", w.id, "GBPUSD", NOW)
