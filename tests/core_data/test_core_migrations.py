"""A throwaway service's Alembic scripts migrated up and down on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import String, inspect
from sqlalchemy.orm import Mapped, mapped_column

from core import migrations
from core.bus import InProcessBus
from core.db import Database, ExactDecimal, UtcDateTime, make_base
from core.outbox import OutboxRelay, outbox_table, stage

SCHEMA = "core_test_widgets"
SCRIPTS = Path(__file__).parent / "widgets_migrations"
SPEC = migrations.MigrationSpec("widgets", SCRIPTS, [SCHEMA])

Base = make_base(SCHEMA)
OUTBOX = outbox_table(Base.metadata)


class Widget(Base):
    """The model as of revision 0002."""

    __tablename__ = "widgets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    price: Mapped[Decimal] = mapped_column(ExactDecimal)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    color: Mapped[str] = mapped_column(String(20))


def drop_schema(database_url: str) -> None:
    if database_url.startswith("postgresql"):
        import psycopg

        url = database_url.replace("postgresql+asyncpg", "postgresql")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')


@pytest.fixture
def url(database_url: str) -> Iterator[str]:
    drop_schema(database_url)
    yield database_url
    drop_schema(database_url)


async def columns(db: Database) -> dict[str, list[str]]:
    def read(conn) -> dict[str, list[str]]:
        inspector = inspect(conn)
        return {
            t: [c["name"] for c in inspector.get_columns(t, schema=SCHEMA)]
            for t in inspector.get_table_names(schema=SCHEMA)
        }

    async with db.engine.connect() as conn:
        return await conn.run_sync(read)


def test_scripts_folder_has_one_head() -> None:
    assert migrations.heads(SCRIPTS) == ["0002"]


async def test_service_migrates_up_to_head_and_its_model_works(url: str) -> None:
    assert migrations.current(url, *SPEC) is None
    assert migrations.upgrade_all(url, [SPEC]) == {"widgets": "0002"}
    assert migrations.current(url, *SPEC) == "0002"
    db = Database(url)
    try:
        assert set(await columns(db)) >= {"widgets", "outbox", "alembic_version"}
        async with db.transaction() as s:
            s.add(Widget(name="w", price=Decimal("1.10"), created_at=datetime.now(UTC), color="red"))
            await stage(s, "widgets:new", b"w", table=OUTBOX)
        bus = InProcessBus()
        async with bus.subscribe("widgets:*") as sub:
            assert await OutboxRelay(db, bus, [OUTBOX]).drain() == 1
            assert (await asyncio.wait_for(anext(sub), 5)).data == b"w"
        async with db.session() as s:
            widget = (await s.execute(Widget.__table__.select())).one()
        assert widget.price == Decimal("1.1")
    finally:
        await db.dispose()


async def test_service_migrates_down_step_by_step_to_base(url: str) -> None:
    migrations.upgrade(url, *SPEC)
    assert migrations.upgrade(url, *SPEC) == "0002"  # already at head: nothing to do
    db = Database(url)
    try:
        assert "color" in (await columns(db))["widgets"]
        assert migrations.downgrade(url, *SPEC, revision="0001") == "0001"
        assert "color" not in (await columns(db))["widgets"]
        assert migrations.downgrade(url, *SPEC) is None
        assert set(await columns(db)) <= {"alembic_version"}
        assert migrations.upgrade(url, *SPEC) == "0002"
        assert "color" in (await columns(db))["widgets"]
    finally:
        await db.dispose()


def test_async_urls_become_sync_driver_urls() -> None:
    assert migrations.sync_url("sqlite+aiosqlite:///var/db/main.sqlite").drivername == "sqlite"
    assert migrations.sync_url("postgresql+asyncpg://u@h/d").drivername == "postgresql+psycopg"
    with pytest.raises(ValueError, match="unsupported"):
        migrations.sync_url("mysql+aiomysql://u@h/d")
