"""A pooled PostgreSQL connection that sat idle is checked before use: one the server dropped
meanwhile is replaced instead of failing the next query; one in steady use is not checked."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.db import Database

pytestmark = pytest.mark.postgres


async def _backend_pid(db: Database) -> int:
    async with db.session() as s:
        return int((await s.execute(text("SELECT pg_backend_pid()"))).scalar_one())


def _terminate(database_url: str, pid: int) -> None:
    admin = database_url.replace("postgresql+asyncpg", "postgresql")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


async def test_an_idle_connection_dropped_by_the_server_is_replaced(pg_database_url: str) -> None:
    db = Database(pg_database_url, pool_size=1, idle_ping_s=0)  # every connection idle: always checked
    try:
        first = await _backend_pid(db)
        _terminate(pg_database_url, first)
        assert await _backend_pid(db) != first
    finally:
        await db.dispose()


async def test_a_connection_in_steady_use_is_not_checked(pg_database_url: str) -> None:
    db = Database(pg_database_url, pool_size=1, idle_ping_s=3600)  # just used: no check
    try:
        first = await _backend_pid(db)
        _terminate(pg_database_url, first)
        with pytest.raises(DBAPIError):
            await _backend_pid(db)
        assert await _backend_pid(db) != first  # the pool dropped it on the error
    finally:
        await db.dispose()
