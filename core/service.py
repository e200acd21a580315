"""What a service package exports (ServiceSpec) and what it is given (ServiceContext)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData

if TYPE_CHECKING:
    from core.bus import Bus
    from core.clients import ClientFactory
    from core.clock import Clock
    from core.db import Database
    from core.keys import KeyStore
    from core.kv import KeyValue
    from core.settings import Settings


@dataclass
class ServiceContext:
    """Everything a service gets from outside, given by the composition root."""

    settings: Settings
    db: Database
    bus: Bus
    kv: KeyValue
    clock: Clock
    clients: ClientFactory
    keys: KeyStore


AddServicer = Callable[[Any, Any], None]
BackgroundTask = Callable[[], Awaitable[None]]


@dataclass
class BuiltService:
    """A service assembled for a run: its servicers and its long-running tasks."""

    servicers: list[tuple[AddServicer, Any]]
    background: list[BackgroundTask] = field(default_factory=list)
    close: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True)
class ServiceSpec:
    """A service package's description, exported as `svc_<domain>.SERVICE`.

    `settings` is the service's own settings class: the composition root builds it once for a run
    and passes the instance to `build(ctx, settings)` and `bootstrap(ctx, settings)`. A spec
    without one is built as `build(ctx)`.
    """

    name: str
    grpc_services: Sequence[str]
    metadata: Sequence[MetaData]
    migrations: Path | None
    build: Callable[..., Awaitable[BuiltService]]
    # First-start work in the embedded run (demo data, first models); safe to run again.
    bootstrap: Callable[..., Awaitable[None]] | None = None
    settings: Callable[[], Any] | None = None


def load_settings(spec: ServiceSpec) -> Any:
    """A service's own settings, read from the environment (None when it declares none)."""
    return spec.settings() if spec.settings is not None else None


async def build_spec(spec: ServiceSpec, ctx: ServiceContext, settings: Any) -> BuiltService:
    """Assemble a service with the settings the composition root built for it. Replicas of one
    service that start together build one at a time: a build may create what is missing
    (market's symbol catalogue and roll-ups), which two building at once would both insert."""
    async with _one_build_at_a_time(ctx.db, spec.name):
        if spec.settings is None:
            return await spec.build(ctx)
        return await spec.build(ctx, settings)


@asynccontextmanager
async def _one_build_at_a_time(db: Database, service: str) -> AsyncIterator[None]:
    """A PostgreSQL advisory lock per service for the block (SQLite serves one process)."""
    if db.is_sqlite:
        yield
        return
    from core.db import advisory_xact_lock

    async with db.transaction() as s:
        await advisory_xact_lock(s, f"build:{service}")
        yield


async def bootstrap_spec(spec: ServiceSpec, ctx: ServiceContext, settings: Any) -> None:
    """A service's first-start work, if it has any."""
    if spec.bootstrap is None:
        return
    if spec.settings is None:
        await spec.bootstrap(ctx)
    else:
        await spec.bootstrap(ctx, settings)
