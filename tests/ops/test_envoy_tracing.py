"""Envoy's own spans: with an OTLP endpoint the rendered config has Envoy's OpenTelemetry tracer
(without one it has none), and a request through the real Envoy is traced by it: a loopback OTLP
collector receives Envoy's spans, and the service's span for the same request is their child,
because Envoy sent `traceparent` on the gRPC hop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app.envoy import GATEWAY_SERVICE_NAME, OTLP_CLUSTER, render_envoy_config
from core import tracing
from core.clock import Clock
from core.keys import KeyStore
from tests.envoy.gateway_harness import (
    AUDIENCE,
    DESCRIPTOR,
    EDUCATION,
    ISSUER,
    PLATFORM,
    envoy,
    free_port,
    gateway_settings,
    grpc_backend,
)

WAIT_S = 60  # a bound only: the waits end on events
_EXPORTER = InMemorySpanExporter()
_PROCESSOR = SimpleSpanProcessor(_EXPORTER)


@dataclass
class CollectedSpan:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str


@dataclass
class Collector:
    """OTLP/HTTP `/v1/traces` on loopback: keeps every span it is sent."""

    spans: list[CollectedSpan] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def receive(self, request: web.Request) -> web.Response:
        export = ExportTraceServiceRequest.FromString(await request.read())
        for resource_spans in export.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    self.spans.append(
                        CollectedSpan(
                            attributes.get("service.name", ""),
                            span.name,
                            span.trace_id.hex(),
                            span.span_id.hex(),
                            span.parent_span_id.hex(),
                        )
                    )
        self.arrived.set()
        return web.Response(
            body=ExportTraceServiceResponse().SerializeToString(), content_type="application/x-protobuf"
        )


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    tracing.configure("trading-test", processor=_PROCESSOR)
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


@pytest.fixture
async def collector() -> AsyncIterator[tuple[Collector, str]]:
    found = Collector()
    app = web.Application()
    app.router.add_post("/v1/traces", found.receive)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield found, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def test_the_tracer_is_rendered_only_when_otlp_is_configured() -> None:
    plain = gateway_settings(50051, 8081)
    traced = plain.model_copy(update={"otlp_endpoint": "http://collector.internal:4318"})
    without = render_envoy_config(plain, DESCRIPTOR, [PLATFORM, EDUCATION])
    with_otlp = render_envoy_config(traced, DESCRIPTOR, [PLATFORM, EDUCATION])
    manager = with_otlp["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    provider = manager["tracing"]["provider"]
    assert provider["name"] == "envoy.tracers.opentelemetry"
    assert provider["typed_config"]["service_name"] == GATEWAY_SERVICE_NAME
    assert provider["typed_config"]["http_service"]["http_uri"] == {
        "uri": "http://collector.internal:4318/v1/traces",
        "cluster": OTLP_CLUSTER,
        "timeout": "2s",
    }
    assert OTLP_CLUSTER in [c["name"] for c in with_otlp["static_resources"]["clusters"]]
    plain_manager = without["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
    assert "tracing" not in plain_manager["typed_config"]
    assert OTLP_CLUSTER not in [c["name"] for c in without["static_resources"]["clusters"]]
    assert "layered_runtime" not in without


@pytest.mark.envoy
async def test_a_request_through_envoy_is_one_trace_from_envoy_to_the_service(
    spans: InMemorySpanExporter, collector: tuple[Collector, str], tmp_path: Path
) -> None:
    found, endpoint = collector
    clock = Clock()
    keys = KeyStore.ephemeral(ISSUER, AUDIENCE, clock)
    async with grpc_backend(keys, clock) as grpc_port:
        settings = gateway_settings(grpc_port, free_port()).model_copy(update={"otlp_endpoint": endpoint})
        async with envoy(settings, tmp_path):
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{settings.envoy_port}/platform/info") as reply,
            ):
                assert reply.status == 200
            served = [s for s in spans.get_finished_spans() if s.name.startswith(f"/{PLATFORM}/")]
            assert len(served) == 1
            service_span = served[0]
            assert service_span.parent is not None
            assert service_span.parent.is_remote  # continued from the traceparent Envoy sent
            trace_id = format(service_span.context.trace_id, "032x")
            while True:
                found.arrived.clear()
                if any(s.trace_id == trace_id for s in found.spans):
                    break
                await asyncio.wait_for(found.arrived.wait(), WAIT_S)
    envoy_spans = [s for s in found.spans if s.trace_id == trace_id]
    assert {s.service for s in envoy_spans} == {GATEWAY_SERVICE_NAME}
    parent_id = format(service_span.parent.span_id, "016x")
    assert parent_id in {s.span_id for s in envoy_spans}  # the service span hangs under Envoy's
