"""Where the Stripe twin keeps its objects so that every billing replica's twin serves the same
ones: a row of the billing schema, read and written under a lock (PostgreSQL's advisory lock
across processes, an asyncio lock within one). A twin reloads the row only when another twin
changed it since (its `version`), and writes it back only when a request changed something.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from sqlalchemy import select

from core.db import Database, advisory_xact_lock
from svc_billing.models import StripeTwinState

ROW_ID = 1
_LOCK = "financial.stripe_twin_state"


class TwinState(Protocol):
    """What the store needs from the twin."""

    version: int | None  # the row's version the twin holds in memory (None: none yet)
    dirty: bool  # changed since it was loaded or stored

    def snapshot(self) -> dict[str, Any]: ...

    def restore(self, state: dict[str, Any]) -> None: ...


class DatabaseTwinStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def held(self, twin: TwinState) -> AsyncIterator[None]:
        """The twin holds the latest state for the block; what the block changed is stored."""
        stored: int | None = None
        async with self._lock:
            try:
                async with self.db.transaction() as s:
                    if not self.db.is_sqlite:
                        await advisory_xact_lock(s, _LOCK)
                    query = select(StripeTwinState).where(StripeTwinState.id == ROW_ID)
                    row = (await s.scalars(query)).first()
                    if row is not None and row.version != twin.version:
                        twin.restore(json.loads(row.state))
                        twin.version, twin.dirty = row.version, False
                    yield
                    if row is None or twin.dirty:
                        stored = 1 if row is None else row.version + 1
                        state = json.dumps(twin.snapshot())
                        if row is None:
                            s.add(StripeTwinState(id=ROW_ID, version=stored, state=state))
                        else:
                            row.version, row.state = stored, state
            except BaseException:
                # memory may hold a change the database did not keep (the block failed, or the
                # commit did): reload it next time
                twin.version = None
                raise
            if stored is not None:  # committed
                twin.version, twin.dirty = stored, False
