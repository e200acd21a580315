"""What the chassis records: DB statement time, outbox events by type and lag, breaker states,
WebSocket fan-out lag, and the text exposition every process serves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import String, text
from sqlalchemy.orm import Mapped, mapped_column
from trading.events.v1.events_payloads_pb2 import MlSignalNew

from core import breaker, metrics
from core.breaker import ML_ENGINE, CircuitBreaker
from core.bus import Bus, InProcessBus, Message, RedisBus
from core.clients import ClientFactory
from core.clock import TestClock
from core.db import Database, make_base, statement_kind
from core.events import new_event, signals_channel
from core.outbox import OutboxRelay, event_type, outbox_table, stage
from core.settings import Settings
from edge.metrics import timed_encoder
from tests.core_data.conftest import delete_namespace

Base = make_base("ops_test_metrics")
OUTBOX = outbox_table(Base.metadata)


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(50))


def sample(metric: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(metric, labels) or 0.0


@pytest.fixture
async def db(make_database: Callable[..., Awaitable[Database]]) -> Database:
    return await make_database(Base.metadata)


def test_statement_kinds_are_a_bounded_label() -> None:
    assert statement_kind("  SELECT 1") == "select"
    assert statement_kind("insert into x values (1)") == "insert"
    assert statement_kind("PRAGMA foreign_keys = ON") == "other"
    assert statement_kind("") == "other"


async def test_every_statement_is_timed_by_kind(db: Database) -> None:
    before = sample("db_query_seconds_count", operation="select")
    async with db.session() as s:
        await s.execute(text("SELECT 1"))
        await s.execute(text("SELECT 2"))
    assert sample("db_query_seconds_count", operation="select") - before >= 2


async def test_the_relay_counts_events_by_type_and_observes_their_outbox_lag(db: Database) -> None:
    clock = TestClock()
    event = new_event("ml_signal_new", signals_channel("EURUSD"), MlSignalNew(), "inference", clock)
    published = sample("events_published_total", type="ml_signal_new")
    lagged = sample("bus_lag_seconds_count", channel_kind="signals", stage="outbox")
    async with db.transaction() as s:
        s.add(Note(body="signal"))
        await stage(s, event.channel, event, table=OUTBOX)
    clock.advance(3)
    assert await OutboxRelay(db, InProcessBus(), [OUTBOX], clock).drain() == 1
    assert sample("events_published_total", type="ml_signal_new") == published + 1
    assert sample("bus_lag_seconds_count", channel_kind="signals", stage="outbox") == lagged + 1


def test_a_payload_that_is_not_an_envelope_counts_as_other() -> None:
    assert event_type(b"\xff\xff\xff") == "other"
    assert event_type(b"") == "other"


def test_breaker_state_is_a_gauge_and_listed_for_health() -> None:
    clock = TestClock()
    b = CircuitBreaker("ops-test-dep", ML_ENGINE, clock)
    for _ in range(ML_ENGINE.failure_threshold):
        b.record_failure()
    assert sample("circuit_breaker_state", name="ops-test-dep") == 2
    assert breaker.states()["ops-test-dep"] == breaker.OPEN
    clock.advance(ML_ENGINE.reset_s)
    b.before_call()
    assert sample("circuit_breaker_state", name="ops-test-dep") == 1
    b.record_success()
    assert sample("circuit_breaker_state", name="ops-test-dep") == 0
    assert sample("circuit_breaker_transitions_total", name="ops-test-dep", state="open") == 1


def test_calls_to_the_inference_service_get_the_ml_engine_breaker_of_seed_9_2() -> None:
    factory = ClientFactory(Settings(), TestClock())
    assert factory.breaker("inference").config == breaker.ML_ENGINE
    assert factory.breaker("market").config == breaker.DEFAULT
    assert breaker.PRESETS["metaapi"] == breaker.METAAPI


def test_websocket_frames_observe_the_age_of_their_event() -> None:
    clock = TestClock()
    event = new_event("ml_signal_new", signals_channel("EURUSD"), MlSignalNew(), "inference", clock)
    encode = timed_encoder(clock, lambda m: "frame")
    before = sample("websocket_fanout_lag_seconds_count", channel_kind="signals")
    slow_before = sample("websocket_fanout_lag_seconds_bucket", channel_kind="signals", le="0.5")
    clock.advance(0.75)
    assert encode(Message(event.channel, event.SerializeToString())) == "frame"
    assert sample("websocket_fanout_lag_seconds_count", channel_kind="signals") == before + 1
    # 750 ms old: over the seed's 500 ms, so not in the 0.5 bucket
    assert sample("websocket_fanout_lag_seconds_bucket", channel_kind="signals", le="0.5") == slow_before


def test_exposition_is_the_prometheus_text_format() -> None:
    metrics.DB_QUERY.labels("select").observe(timedelta(milliseconds=5).total_seconds())
    body, content_type = metrics.exposition()
    assert content_type.startswith("text/plain; version=0.0.4")
    text_body = body.decode()
    assert "# TYPE db_query_seconds histogram" in text_body
    assert "# TYPE grpc_server_handling_seconds histogram" in text_body


def test_channel_kind_drops_the_unbounded_part() -> None:
    assert metrics.channel_kind("user:42:trades") == "user"
    assert metrics.channel_kind("ticker:EURUSD") == "ticker"


def test_a_webhook_applied_late_lands_past_the_seed_threshold() -> None:
    clock = TestClock()
    created = clock.now()
    over = sample("webhook_delay_seconds_count", vendor="stripe")
    under_5s = sample("webhook_delay_seconds_bucket", vendor="stripe", le="5.0")
    metrics.webhook_applied("stripe", created, clock.advance(7))
    assert sample("webhook_delay_seconds_count", vendor="stripe") == over + 1
    assert sample("webhook_delay_seconds_bucket", vendor="stripe", le="5.0") == under_5s


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def bus(request: pytest.FixtureRequest, namespace: str) -> AsyncIterator[Bus]:
    if request.param == "memory":
        yield InProcessBus()
        return
    redis_url = request.getfixturevalue("redis_url")
    redis = RedisBus(redis_url, namespace=namespace)
    yield redis
    await redis.close()
    await delete_namespace(redis_url, namespace)


async def test_stream_deliveries_observe_their_lag(bus: Bus) -> None:
    """On the in-process bus and on Redis."""
    before = sample("bus_lag_seconds_count", channel_kind="opslag", stage="deliver")
    await bus.create_group("opslag:stream", "g")
    await bus.xadd("opslag:stream", b"x")
    async for delivery in bus.consume("opslag:stream", "g", "c", block_s=0.2):
        await delivery.ack()
        break
    assert sample("bus_lag_seconds_count", channel_kind="opslag", stage="deliver") == before + 1
