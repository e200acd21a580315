"""Education test kit: the education schema migrated on SQLite and PostgreSQL, the domain built
as the service wires it, the demo courses seeded, and learners with their plans."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import create_engine
from trading.common.v1.money_pb2 import Money
from trading.events.v1 import events_payloads_pb2 as ev

from core import migrations
from core.bus import InProcessBus
from core.clients import ClientFactory
from core.clock import Clock, TestClock
from core.db import Database
from core.events import Event, new_event, user_positions_channel, user_trades_channel
from core.keys import KeyStore
from core.kv import MemoryKeyValue
from core.service import ServiceContext
from core.settings import Settings
from svc_education import SERVICE
from svc_education.config import EducationSettings
from svc_education.seed import seed_demo_courses
from svc_education.service import Education
from svc_education.views import Caller
from svc_education.wiring import make_education

CANDLES = "reading-candles-and-indicators"
RISK = "risk-management-in-r-multiples"
ML = "how-ml-signals-are-made"  # needs the pro plan

ANA = Caller("ana", "free")
BEN = Caller("ben", "free")
PRO = Caller("pia", "pro")
ADMIN = Caller("root", "free", frozenset({"user", "admin"}))
INSTRUCTOR = Caller("ivy", "free", frozenset({"user", "instructor"}))


def filled_order(user_id: str, clock: Clock, symbol: str = "EURUSD", **order: Any) -> Event:
    """A paper fill as the broker publishes it on user:{id}:trades (`order`: order_type,
    stop_loss, take_profit)."""
    payload = ev.TradeExecuted(
        trade_id="1",
        order_id="1",
        user_id=user_id,
        symbol=symbol,
        side=ev.TRADE_SIDE_BUY,
        price="1.085",
        quantity="0.01",
        status=ev.TRADE_STATUS_FILLED,
        venue=ev.TRADE_VENUE_PAPER,
        account_id="1",
        position_id="1",
        **order,
    )
    payload.executed_at.FromDatetime(clock.now())
    return new_event("trade_executed", user_trades_channel(user_id), payload, "broker", clock)


def closed_position(
    user_id: str, clock: Clock, pnl_minor: int, reason: int = ev.POSITION_CLOSE_REASON_MANUAL
) -> Event:
    """A closed paper position as the broker publishes it on user:{id}:positions."""
    payload = ev.PositionClosed(
        position_id="1",
        user_id=user_id,
        symbol="EURUSD",
        side=ev.TRADE_SIDE_BUY,
        entry_price="1.085",
        exit_price="1.086",
        quantity="0.01",
        pnl=Money(currency="USD", minor_units=pnl_minor),
        reason=reason,  # type: ignore[arg-type]
        venue=ev.TRADE_VENUE_PAPER,
        account_id="1",
    )
    payload.closed_at.FromDatetime(clock.now())
    return new_event("position_closed", user_positions_channel(user_id), payload, "broker", clock)


def migrate_education(database_url: str) -> None:
    plan = migrations.spec_of(SERVICE)
    assert plan is not None
    if database_url.startswith("postgresql"):
        engine = create_engine(migrations.sync_url(database_url))
        with engine.begin() as conn:
            conn.exec_driver_sql('DROP SCHEMA IF EXISTS "education" CASCADE')
        engine.dispose()
    migrations.upgrade(database_url, plan.name, plan.scripts_dir, plan.schemas)


@dataclass
class Kit:
    ctx: ServiceContext
    edu: Education
    clock: TestClock

    @property
    def db(self) -> Database:
        return self.ctx.db


@pytest.fixture
async def kit(database_url: str, tmp_path) -> AsyncIterator[Kit]:
    migrate_education(database_url)
    clock = TestClock()
    settings = Settings(data_dir=tmp_path)
    ctx = ServiceContext(
        settings=settings,
        db=Database(database_url),
        bus=InProcessBus(),
        kv=MemoryKeyValue(clock),
        clock=clock,
        clients=ClientFactory(settings, clock),
        keys=KeyStore.ephemeral("https://trading.test", "trading-api", clock),
    )
    yield Kit(ctx, make_education(ctx, EducationSettings()), clock)
    await ctx.bus.close()
    await ctx.db.dispose()


@pytest.fixture
async def seeded(kit: Kit) -> Kit:
    await seed_demo_courses(kit.ctx, EducationSettings())
    return kit
