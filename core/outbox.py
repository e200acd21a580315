"""The transactional outbox: events commit with the change that caused them, then get published.

A service adds `outbox_table(metadata)` to its schema, calls `stage(session, channel, event,
table=...)` inside the transaction that makes the change, and runs an `OutboxRelay` as a
background task. The relay publishes committed rows in id order and marks them published; a row
of a rolled-back transaction never exists, so it is never published. Delivery to the bus is at
least once: a crash between publishing and marking publishes a row again.

Two relays on one database take turns: PostgreSQL rows are locked with an advisory lock per
outbox plus `FOR UPDATE SKIP LOCKED`, SQLite serializes writers with `BEGIN IMMEDIATE`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any, Protocol

from google.protobuf.message import DecodeError
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from trading.events.v1.events_envelope_pb2 import Event

from core import metrics, tracing
from core.bus import Bus
from core.clock import Clock
from core.db import Database, UtcDateTime, advisory_xact_lock

log = logging.getLogger(__name__)

TABLE_NAME = "outbox"
_STAGED = "core.outbox.staged"


class SerializableMessage(Protocol):
    """Any protobuf message."""

    def SerializeToString(self, **kwargs: Any) -> bytes: ...


def outbox_table(metadata: MetaData) -> Table:
    """The `outbox` table in `metadata`'s schema (created once; later calls return it)."""
    key = f"{metadata.schema}.{TABLE_NAME}" if metadata.schema else TABLE_NAME
    if key in metadata.tables:
        return metadata.tables[key]
    table = Table(TABLE_NAME, metadata, *_columns())
    pending = table.c.published_at.is_(None)
    Index(_INDEX_NAME, table.c.id, postgresql_where=pending, sqlite_where=pending)
    return table


_INDEX_NAME = "ix_outbox_pending"


def _columns() -> list[Column[Any]]:
    return [
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("channel", String(255), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("durable", Boolean, nullable=False, default=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("published_at", UtcDateTime, nullable=True),
    ]


def create_outbox(schema: str) -> None:
    """Inside an Alembic `upgrade()`: create `<schema>.outbox` as `outbox_table` declares it."""
    from alembic import op
    from sqlalchemy import column

    op.create_table(TABLE_NAME, *_columns(), schema=schema)
    pending = column("published_at").is_(None)
    op.create_index(
        _INDEX_NAME, TABLE_NAME, ["id"], schema=schema, postgresql_where=pending, sqlite_where=pending
    )


def drop_outbox(schema: str) -> None:
    """Inside an Alembic `downgrade()`: drop `<schema>.outbox`."""
    from alembic import op

    op.drop_index(_INDEX_NAME, table_name=TABLE_NAME, schema=schema)
    op.drop_table(TABLE_NAME, schema=schema)


def payload_bytes(event: bytes | SerializableMessage) -> bytes:
    if isinstance(event, bytes | bytearray | memoryview):
        return bytes(event)
    return event.SerializeToString()


async def stage(
    session: AsyncSession,
    channel: str,
    event: bytes | SerializableMessage,
    *,
    table: Table,
    durable: bool = False,
    clock: Clock | None = None,
) -> None:
    """Insert an event into `table` in the caller's transaction.

    `durable=True` sends it to the stream named `channel` (XADD) instead of pub/sub.
    """
    now = (clock or Clock()).now()
    if isinstance(event, Event) and not event.traceparent:
        parent = tracing.traceparent()  # consumers continue the trace of the change that emitted it
        if parent:
            stamped = Event()
            stamped.CopyFrom(event)
            stamped.traceparent = parent
            event = stamped  # type: ignore[assignment] # an Event is a SerializableMessage
    await session.execute(
        insert(table).values(channel=channel, payload=payload_bytes(event), durable=durable, created_at=now)
    )
    session.info.setdefault(_STAGED, set()).add(table.fullname)


async def stage_many(
    session: AsyncSession,
    events: Sequence[tuple[str, bytes | SerializableMessage]],
    *,
    table: Table,
    clock: Clock | None = None,
) -> None:
    """Insert many (channel, event) pairs into `table` with one statement, in the caller's transaction."""
    if not events:
        return
    now = (clock or Clock()).now()
    rows = [
        {"channel": channel, "payload": payload_bytes(event), "durable": False, "created_at": now}
        for channel, event in events
    ]
    await session.execute(insert(table), rows)
    session.info.setdefault(_STAGED, set()).add(table.fullname)


def mark_staged(session: AsyncSession, table: Table) -> None:
    """Rows were put into `table` by other means (the driver's COPY): the relays wake after the
    commit as for `stage`."""
    session.info.setdefault(_STAGED, set()).add(table.fullname)


_RUNNING: set[OutboxRelay] = set()


@event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    staged = session.info.pop(_STAGED, None)
    if staged:
        for relay in list(_RUNNING):
            relay.committed(staged)


class OutboxRelay:
    """Publishes a service's committed outbox rows to the bus (a background task)."""

    def __init__(
        self,
        db: Database,
        bus: Bus,
        tables: Sequence[Table],
        clock: Clock | None = None,
        *,
        batch: int = 100,
        poll_s: float = 0.2,
        retain_s: float = 24 * 3600,
    ) -> None:
        self._db = db
        self._bus = bus
        self._tables = list(tables)
        self._clock = clock or Clock()
        self._batch = batch
        self._poll_s = poll_s
        self._retain_s = retain_s
        self._wake = asyncio.Event()
        self._names = {t.fullname for t in self._tables}

    def notify(self) -> None:
        """Look at the outbox now instead of at the next poll."""
        self._wake.set()

    def committed(self, tables: Iterable[str]) -> None:
        if self._names.intersection(tables):
            self._wake.set()

    async def run(self) -> None:
        """Publish until cancelled: at once after a commit that staged events, else every `poll_s`."""
        _RUNNING.add(self)
        last_prune = time.monotonic()
        try:
            while True:
                self._wake.clear()
                try:
                    if await self._publish_pass():
                        continue
                    if time.monotonic() - last_prune > 600:
                        last_prune = time.monotonic()
                        await self.prune()
                except Exception:
                    log.exception("outbox relay pass failed; retrying")
                await self._sleep()
        finally:
            _RUNNING.discard(self)

    async def drain(self) -> int:
        """Publish everything pending now; returns how many rows were published."""
        total = 0
        while sent := await self._publish_pass():
            total += sent
        return total

    async def prune(self) -> int:
        """Delete rows published more than `retain_s` ago."""
        cutoff = self._clock.now() - timedelta(seconds=self._retain_s)
        deleted = 0
        for table in self._tables:
            async with self._db.transaction() as s:
                result: Any = await s.execute(delete(table).where(table.c.published_at < cutoff))
                deleted += result.rowcount or 0
        return deleted

    async def _sleep(self) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), self._poll_s)
        except TimeoutError:
            pass

    async def _publish_pass(self) -> int:
        sent = 0
        for table in self._tables:
            sent += await self._publish_batch(table)
        return sent

    async def _publish_batch(self, table: Table) -> int:
        async with self._db.transaction() as s:
            if not self._db.is_sqlite:
                await advisory_xact_lock(s, _lock_name(table))
            query = (
                select(table.c.id, table.c.channel, table.c.payload, table.c.durable, table.c.created_at)
                .where(table.c.published_at.is_(None))
                .order_by(table.c.id)
                .limit(self._batch)
            )
            if not self._db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            rows = (await s.execute(query)).all()
            for row in rows:
                if row.durable:
                    await self._bus.xadd(row.channel, row.payload)
                else:
                    await self._bus.publish(row.channel, row.payload)
            if rows:
                now = self._clock.now()
                await s.execute(
                    update(table).where(table.c.id.in_([row.id for row in rows])).values(published_at=now)
                )
                for row in rows:
                    record_published(row.channel, row.payload, (now - row.created_at).total_seconds())
            return len(rows)


def event_type(payload: bytes) -> str:
    """The envelope's event type ("ml_signal_new"...), "other" for a payload that is not one."""
    try:
        kind = Event.FromString(payload).WhichOneof("payload")
    except DecodeError:
        return "other"
    return kind or "other"


def record_published(channel: str, payload: bytes, lag_s: float) -> None:
    metrics.EVENTS_PUBLISHED.labels(event_type(payload)).inc()
    metrics.BUS_LAG.labels(metrics.channel_kind(channel), "outbox").observe(max(0.0, lag_s))


def _lock_name(table: Table) -> str:
    return f"outbox:{table.fullname}"
