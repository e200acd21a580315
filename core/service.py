"""What a service package exports (ServiceSpec) and what it is given (ServiceContext)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
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
    """A service package's description, exported as `svc_<domain>.SERVICE`."""

    name: str
    grpc_services: Sequence[str]
    metadata: Sequence[MetaData]
    migrations: Path | None
    build: Callable[[ServiceContext], Awaitable[BuiltService]]
    # First-start work in the embedded run (demo data, first models); safe to run again.
    bootstrap: Callable[[ServiceContext], Awaitable[None]] | None = None
