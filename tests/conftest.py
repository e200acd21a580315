"""Shared fixtures: databases (SQLite and the real PostgreSQL) and the real Redis.

With CI=true a test that needs PostgreSQL or Redis fails when it is missing instead of skipping.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import suppress

import pytest
from sqlalchemy import MetaData

from core.db import Database
from core.service import ServiceSpec

PG_ADMIN_URL = os.environ.get("TRADING_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TRADING_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _reachable(host: str, port: int) -> bool:
    with suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def require_service(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    if IN_CI:
        pytest.fail(f"{name} is required under CI=true but {host}:{port} does not answer")
    pytest.skip(f"{name} not running on {host}:{port}")


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    yield from _fresh_pg_database()


def _fresh_pg_database() -> Iterator[str]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    import psycopg

    name = f"trading_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def own_pg_database_url() -> Iterator[str]:
    """A PostgreSQL database of its own, for a platform that must start on an empty one."""
    yield from _fresh_pg_database()


def drop_service_schemas(database_url: str, specs: Iterable[ServiceSpec]) -> None:
    """The session's PostgreSQL database is shared: tests that build tables directly leave them
    without migration history, which a later migration of the same schemas would trip on."""
    if not database_url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine

    from core import migrations

    engine = create_engine(migrations.sync_url(database_url))
    with engine.begin() as conn:
        for schema in {md.schema for spec in specs for md in spec.metadata if md.schema}:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """Each test that takes this runs twice: on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/db/main.sqlite"
    return request.getfixturevalue("pg_database_url")


async def _drop_schemas(db: Database, metadatas: list[MetaData]) -> None:
    if db.is_sqlite:
        return
    from sqlalchemy import text

    async with db.engine.begin() as conn:
        for md in metadatas:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{md.schema}" CASCADE'))


@pytest.fixture
async def make_database(database_url: str) -> AsyncIterator[Callable]:
    """`db = await make_database(Base.metadata, ...)`: empty tables of those schemas."""
    opened: list[Database] = []

    async def make(*metadatas: MetaData) -> Database:
        db = Database(database_url)
        await _drop_schemas(db, list(metadatas))
        await db.create_all(metadatas)
        opened.append(db)
        return db

    yield make
    for db in opened:
        await db.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    require_service("Redis", "127.0.0.1", 6379)
    return REDIS_URL


@pytest.fixture
def namespace() -> str:
    """A unique key/channel prefix so parallel test runs never share Redis state."""
    return f"t{uuid.uuid4().hex[:8]}"
