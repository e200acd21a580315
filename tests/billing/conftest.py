"""Billing assembled for tests: real database (SQLite and PostgreSQL), the `stripe` SDK adapter
talking to the Stripe twin on loopback (port 0), a TestClock, and svc_auth's side recorded by a
small AccountDirectory that keeps what it was told."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.bus import InProcessBus
from core.clients import ClientFactory
from core.clock import TestClock
from core.errors import NotFound
from core.keys import KeyStore
from core.kv import MemoryKeyValue
from core.service import ServiceContext
from core.settings import Settings
from svc_billing.adapters.stripe.sdk import StripeSdkGateway
from svc_billing.adapters.stripe.twin import StripeTwin, TwinServer
from svc_billing.config import BillingSettings
from svc_billing.models import Base
from svc_billing.stripe_events import IncomingEvent
from svc_billing.wiring import Assembly, assemble

WEBHOOK_SECRET = "whsec_test_secret"
START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@dataclass
class RecordingDirectory:
    """svc_auth's side of billing, kept in memory: the plan each user was set to and the mails."""

    plans: dict[str, str] = field(default_factory=dict)
    mails: list[tuple[str, str, str]] = field(default_factory=list)  # user, subject, key
    down: bool = False
    unknown: set[str] = field(default_factory=set)  # users auth answers NOT_FOUND for

    async def set_plan(self, user_id: str, plan: str) -> None:
        if self.down:
            raise ConnectionError("auth is down")
        if user_id in self.unknown:
            raise NotFound("no such user", reason="USER_NOT_FOUND")
        self.plans[user_id] = plan

    async def queue_mail(self, user_id: str, subject: str, body: str, idempotency_key: str) -> None:
        if self.down:
            raise ConnectionError("auth is down")
        self.mails.append((user_id, subject, idempotency_key))


@dataclass
class World:
    ctx: ServiceContext
    clock: TestClock
    twin: StripeTwin
    twin_server: TwinServer
    stripe: StripeSdkGateway
    accounts: RecordingDirectory
    built: Assembly
    delivered: int = 0

    @property
    def billing(self) -> Any:
        return self.built.billing

    async def deliver(self, event: dict[str, Any]) -> str:
        """Hand one twin event to billing as the edge does after verifying it."""
        incoming = IncomingEvent(
            event["id"],
            event["type"],
            json.dumps(event).encode(),
            datetime.fromtimestamp(event["created"], UTC),
            event["livemode"],
        )
        return str(await self.billing.events.process(incoming))

    async def deliver_new(self) -> list[str]:
        """Deliver, in order, the twin's events not delivered yet."""
        fresh = self.twin.events[self.delivered :]
        self.delivered = len(self.twin.events)
        return [await self.deliver(e) for e in fresh]


def context(database: Any, clock: TestClock, tmp_path: Path) -> ServiceContext:
    settings = Settings(data_dir=tmp_path)
    return ServiceContext(
        settings=settings,
        db=database,
        bus=InProcessBus(),
        kv=MemoryKeyValue(clock),
        clock=clock,
        clients=ClientFactory(settings, clock),
        keys=KeyStore.ephemeral("https://trading.test", "trading-api", clock),
    )


@pytest.fixture
async def make_world(make_database: Callable, tmp_path: Path) -> AsyncIterator[Callable]:
    opened: list[World] = []

    async def make(**settings: Any) -> World:
        clock = TestClock(START)
        db = await make_database(Base.metadata)
        twin = StripeTwin(WEBHOOK_SECRET, clock)
        twin.send_webhooks = False  # tests deliver (or lose, or reorder) events themselves
        server = TwinServer(twin, "127.0.0.1", 0)
        await server.start()
        stripe = StripeSdkGateway("sk_test_billing", server.base_url, timeout_s=15, clock=clock)
        accounts = RecordingDirectory()
        ctx = context(db, clock, tmp_path)
        built = assemble(ctx, BillingSettings(**settings), stripe=stripe, accounts=accounts)
        world = World(ctx, clock, twin, server, stripe, accounts, built)
        opened.append(world)
        return world

    yield make
    for world in opened:
        await world.stripe.close()
        await world.twin_server.stop()


@pytest.fixture
async def world(make_world: Callable) -> World:
    return await make_world()
