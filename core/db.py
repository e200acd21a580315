"""Async SQLAlchemy: one engine, one schema per service, on PostgreSQL or SQLite.

On SQLite every schema is its own attached database file beside the main one, so tables are
qualified by schema on both databases and names never collide between services.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import URL, DateTime, MetaData, Numeric, String, event, exc, make_url, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.schema import CreateSchema
from sqlalchemy.types import TypeDecorator

from core import metrics

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SCHEMAS: set[str] = set()
_SCHEMA_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def make_base(schema: str) -> Any:
    """A declarative base whose tables all live in `schema` (typed Any: mypy cannot subclass a
    class made at run time otherwise)."""
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"bad schema name {schema!r}")
    SCHEMAS.add(schema)
    metadata = MetaData(schema=schema, naming_convention=NAMING)
    return type(f"Base_{schema}", (DeclarativeBase,), {"metadata": metadata, "__abstract__": True})


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal: NUMERIC on PostgreSQL, canonical text on SQLite (never a float)."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(38, 18, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        d = value if isinstance(value, Decimal) else Decimal(str(value))
        return decimal_str(d) if dialect.name == "sqlite" else d

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value) if not isinstance(value, Decimal) else value


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always tz-aware UTC in Python, on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a tz-aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def decimal_str(d: Decimal) -> str:
    """Decimal as plain text without exponent or trailing zeros: 1.50 -> "1.5", 1E+2 -> "100"."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


ADVISORY_XACT_LOCK = text("SELECT pg_advisory_xact_lock(CAST(:key AS bigint))")


def advisory_key(name: str) -> int:
    """The PostgreSQL advisory lock key of `name` (a stable 32-bit hash)."""
    return zlib.crc32(name.encode())


async def advisory_xact_lock(session: Any, name: str) -> None:
    """Hold PostgreSQL's advisory lock `name` until the session's transaction ends: one holder
    at a time across every process on the database."""
    await session.execute(ADVISORY_XACT_LOCK, {"key": advisory_key(name)})


IDLE_PING_S = 5.0


def ping_when_idle(engine: AsyncEngine, idle_s: float = IDLE_PING_S) -> None:
    """Check a pooled connection before use only when it sat idle for `idle_s` or more: a
    database restarted meanwhile is then noticed before a query fails. SQLAlchemy's pre-ping
    checks on every checkout, three round trips on asyncpg (BEGIN, a query, ROLLBACK) before
    each session's own; a connection in steady use is known to work, and one that breaks in
    use is discarded with the rest of the pool on the first disconnect error anyway."""
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _returned(dbapi_conn: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _check(dbapi_conn: Any, record: Any, proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < idle_s:
            return
        try:
            dialect.do_ping(dbapi_conn)
        except Exception as error:  # the pool drops this connection and checks out another
            raise exc.DisconnectionError(str(error)) from error


_TIMED_OPERATIONS = frozenset({"select", "insert", "update", "delete"})


def statement_kind(statement: str) -> str:
    """select, insert, update, delete or other: the bounded label of a statement."""
    word = statement.lstrip().split(None, 1)[0].lower() if statement.strip() else ""
    return word if word in _TIMED_OPERATIONS else "other"


def time_statements(engine: AsyncEngine) -> None:
    """Observe every statement's time in `db_query_seconds` (seed 10.1: under 100 ms)."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        conn.info.setdefault("query_started", []).append(time.perf_counter())

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        started = conn.info.get("query_started")
        if started:
            metrics.DB_QUERY.labels(statement_kind(statement)).observe(time.perf_counter() - started.pop())

    @event.listens_for(sync_engine, "handle_error")
    def _failed(context: Any) -> None:
        conn = context.connection
        started = conn.info.get("query_started") if conn is not None else None
        if started:
            started.pop()


def sqlite_dir_of(url: str | URL) -> Path:
    """The folder of a SQLite URL's main file, where every schema's file lives (created)."""
    directory = Path(make_url(url).database or ".").resolve().parent
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def attach_sqlite_schemas(dbapi_conn: Any, directory: Path, schemas: Iterable[str]) -> None:
    """Attach `<directory>/<schema>.sqlite` as `schema` on a raw sqlite3 connection (WAL, busy wait)."""
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA busy_timeout = 30000")
        cur.execute("PRAGMA journal_mode = WAL")
        for schema in sorted(set(schemas)):
            if not _SCHEMA_NAME.match(schema):
                raise ValueError(f"bad schema name {schema!r}")
            cur.execute(f"ATTACH DATABASE ? AS {schema}", (str(directory / f"{schema}.sqlite"),))
            cur.execute(f"PRAGMA {schema}.journal_mode = WAL")
    finally:
        cur.close()


class Database:
    """The engine and sessions for one database URL."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = 10,
        schemas: Iterable[str] | None = None,
        idle_ping_s: float = IDLE_PING_S,
    ) -> None:
        """`schemas`: on SQLite, the schema files to attach; by default the registered schemas
        whose file exists, plus those `create_all` creates (SQLite attaches at most 10).
        `idle_ping_s`: on PostgreSQL, how long a pooled connection may sit idle before it is
        checked at its next use (`ping_when_idle`)."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._schemas = None if schemas is None else set(schemas)
        self._created: set[str] = set()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            self._sqlite_dir = sqlite_dir_of(self.engine.url)
            self._install_sqlite_hooks()
        else:
            ping_when_idle(self.engine, idle_ping_s)
        time_statements(self.engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    def _install_sqlite_hooks(self) -> None:
        sync_engine = self.engine.sync_engine

        @event.listens_for(sync_engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()
            attach_sqlite_schemas(dbapi_conn, self._sqlite_dir, self.attached_schemas())

        @event.listens_for(sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            immediate = conn.get_execution_options().get("sqlite_immediate", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    def attached_schemas(self) -> set[str]:
        """On SQLite, the schemas a new connection attaches."""
        if self._schemas is not None:
            return self._schemas | self._created
        existing = {name for name in SCHEMAS if (self._sqlite_dir / f"{name}.sqlite").exists()}
        return existing | self._created

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads (and writes you commit yourself)."""
        async with self._sessions() as s:
            yield s

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a write transaction, committed on success, rolled back on error.

        On SQLite the write lock is taken at BEGIN, so concurrent writers queue instead of
        failing on a lock upgrade.
        """
        async with self._sessions() as s:
            options = {"sqlite_immediate": True} if self.is_sqlite else {}
            await s.connection(execution_options=options)  # begins the transaction
            try:
                yield s
            except BaseException:
                await s.rollback()
                raise
            await s.commit()

    async def create_all(self, metadatas: Iterable[MetaData]) -> None:
        """Create schemas and tables directly (tests and the embedded quick start)."""
        metadatas = list(metadatas)
        if self.is_sqlite:
            wanted = {md.schema for md in metadatas if md.schema}
            if not wanted <= self.attached_schemas():
                self._created |= wanted
                await self.engine.dispose()  # pooled connections lack the new attachments
        async with self.engine.begin() as conn:
            for md in metadatas:
                if not self.is_sqlite and md.schema:
                    await conn.execute(CreateSchema(md.schema, if_not_exists=True))
                await conn.run_sync(md.create_all)

    async def dispose(self) -> None:
        await self.engine.dispose()
