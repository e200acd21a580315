"""Traces: a call from one service to another is one trace (the client passes `traceparent`, the
server continues it), an event staged in that call carries it in its envelope, the WebSocket
fan-out continues it, and log lines name the trace they belong to."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from trading.events.v1.events_envelope_pb2 import Event
from trading.events.v1.events_payloads_pb2 import MlSignalNew
from trading.platform.v1 import platform_messages_pb2 as ppb
from trading.platform.v1 import platform_service_pb2_grpc as prpc

from app.platform_service import PlatformServicer
from core import tracing
from core.bus import InProcessBus, Message
from core.clients import ClientFactory
from core.clock import TestClock
from core.db import Database, make_base
from core.events import new_event, signals_channel
from core.logs import JsonFormatter
from core.outbox import OutboxRelay, outbox_table, stage
from core.server import create_server
from core.settings import Settings
from edge.metrics import timed_encoder

Base = make_base("ops_test_tracing")
OUTBOX = outbox_table(Base.metadata)
_EXPORTER = InMemorySpanExporter()


class Change(Base):
    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(50))


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    tracing.configure("trading-test", processor=_PROCESSOR)
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


_PROCESSOR = SimpleSpanProcessor(_EXPORTER)


@pytest.fixture
async def platform_stub() -> AsyncIterator[tuple[object, ClientFactory]]:
    clock = TestClock()
    server, port = await create_server(
        "127.0.0.1:0",
        [(prpc.add_PlatformServiceServicer_to_server, PlatformServicer(clock, [], "test"))],
        ["trading.platform.v1.PlatformService"],
    )
    clients = ClientFactory(Settings(grpc_port=port), clock)
    yield clients.stub(prpc.PlatformServiceStub, "platform"), clients
    await clients.close()
    await server.stop(0)


async def test_a_call_between_services_is_one_trace(spans: InMemorySpanExporter, platform_stub) -> None:
    stub, _ = platform_stub
    with tracing.tracer.start_as_current_span("caller") as caller:
        await stub.GetServerInfo(ppb.GetServerInfoRequest())
    by_name = {s.name: s for s in spans.get_finished_spans()}
    served = by_name["/trading.platform.v1.PlatformService/GetServerInfo"]
    assert served.context.trace_id == caller.get_span_context().trace_id
    assert served.parent is not None
    assert served.parent.span_id == caller.get_span_context().span_id


async def test_a_staged_event_carries_the_trace_to_the_websocket_fan_out(
    spans: InMemorySpanExporter, make_database: Callable[..., Awaitable[Database]]
) -> None:
    db = await make_database(Base.metadata)
    clock = TestClock()
    bus = InProcessBus()
    event = new_event("ml_signal_new", signals_channel("EURUSD"), MlSignalNew(), "inference", clock)
    async with bus.subscribe("signals:*") as sub:
        with tracing.tracer.start_as_current_span("sync bar") as origin:
            async with db.transaction() as s:
                s.add(Change(body="bar"))
                await stage(s, event.channel, event, table=OUTBOX)
        await OutboxRelay(db, bus, [OUTBOX], clock).drain()
        message: Message = await anext(sub)
    published = Event.FromString(message.data)
    trace_hex = format(origin.get_span_context().trace_id, "032x")
    assert published.traceparent.split("-")[1] == trace_hex
    timed_encoder(clock, lambda m: "frame")(message)
    fan_out = [s for s in spans.get_finished_spans() if s.name == "ws fan-out signals"]
    assert fan_out[0].context.trace_id == origin.get_span_context().trace_id


def test_log_lines_name_their_trace(spans: InMemorySpanExporter) -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "hello", None, None)
    assert "trace_id" not in json.loads(JsonFormatter().format(record))
    with tracing.tracer.start_as_current_span("work") as span:
        line = json.loads(JsonFormatter().format(record))
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["span_id"] == format(span.get_span_context().span_id, "016x")
