"""Fixtures of the market tests: the loopback Polygon fake and a throwaway MariaDB database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aiomysql
import pytest

from svc_market.adapters.mysql import SCHEMA
from tests.conftest import require_service
from tests.market.polygon_fakes import FakePolygon, serve_polygon

MARIADB_HOST, MARIADB_PORT = "127.0.0.1", 3306


@pytest.fixture
async def polygon() -> AsyncIterator[FakePolygon]:
    async with serve_polygon() as fake:
        yield fake


@pytest.fixture
async def legacy_mysql_url() -> AsyncIterator[str]:
    """A database of our own on the local MariaDB with the legacy store's tables, dropped after.

    Skips (with the reason) when MariaDB does not answer; under CI=true it fails instead."""
    require_service("MariaDB", MARIADB_HOST, MARIADB_PORT)
    name = f"legacy_{uuid.uuid4().hex[:12]}"
    admin = await aiomysql.connect(host=MARIADB_HOST, port=MARIADB_PORT, user="root", autocommit=True)
    try:
        async with admin.cursor() as cursor:
            await cursor.execute(f"CREATE DATABASE {name}")
            await cursor.execute(f"USE {name}")
            for statement in SCHEMA:
                await cursor.execute(statement)
        yield f"mysql://root@{MARIADB_HOST}:{MARIADB_PORT}/{name}"
    finally:
        async with admin.cursor() as cursor:
            await cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()
