"""OpenTelemetry traces: a server span per RPC (continuing the caller's `traceparent`), the
context passed on by the clients and in bus event envelopes, exported over OTLP/HTTP when
`TRADING_OTLP_ENDPOINT` is set. Without an endpoint spans still exist, so log lines carry ids."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import grpc
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

tracer = trace.get_tracer("trading")
_configured = False


def configure(service_name: str, otlp_endpoint: str = "", processor: SpanProcessor | None = None) -> None:
    """Install the process' tracer provider once (later calls only add `processor`)."""
    global _configured
    provider = trace.get_tracer_provider()
    if not _configured:
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        if otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter: SpanExporter = OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces")
            provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        _configured = True
    if processor is not None and isinstance(provider, TracerProvider):
        provider.add_span_processor(processor)


def ids() -> tuple[str, str]:
    """(trace id, span id) of the span in flight as hex, ("", "") when none."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return "", ""
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


def inject() -> dict[str, str]:
    """The current context as W3C headers ({"traceparent": ...}), empty when none."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def traceparent() -> str:
    return inject().get("traceparent", "")


@contextmanager
def continued(name: str, parent: str, kind: SpanKind = SpanKind.CONSUMER) -> Iterator[Any]:
    """A span continuing the trace of `parent` (a traceparent; a new trace when empty)."""
    context = propagate.extract({"traceparent": parent}) if parent else None
    with tracer.start_as_current_span(name, context=context, kind=kind) as span:
        yield span


def _parent(context: grpc.aio.ServicerContext) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == "traceparent":
            return str(value)
    return ""


class TracingInterceptor(grpc.aio.ServerInterceptor):
    """The server span of each RPC, child of the caller's `traceparent` metadata."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None:
            return handler
        method: str = details.method  # type: ignore[attr-defined]
        cached = self._cache.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = _wrap(method, handler)
        self._cache[method] = (handler, wrapped)
        return wrapped


def _wrap(method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    if handler.unary_unary is not None:
        inner = handler.unary_unary

        async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            with continued(method, _parent(context), SpanKind.SERVER) as span:
                try:
                    return await inner(request, context)
                except BaseException as exc:
                    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                    raise

        return grpc.unary_unary_rpc_method_handler(
            unary, handler.request_deserializer, handler.response_serializer
        )
    if handler.unary_stream is not None and not inspect.isasyncgenfunction(handler.unary_stream):
        inner_written = handler.unary_stream  # answers with context.write() (the health Watch)

        async def written(request: Any, context: grpc.aio.ServicerContext) -> None:
            with continued(method, _parent(context), SpanKind.SERVER):
                await inner_written(request, context)

        return grpc.unary_stream_rpc_method_handler(
            written, handler.request_deserializer, handler.response_serializer
        )
    if handler.unary_stream is not None:
        inner_stream = handler.unary_stream

        async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            with continued(method, _parent(context), SpanKind.SERVER):
                async for reply in inner_stream(request, context):
                    yield reply

        return grpc.unary_stream_rpc_method_handler(
            stream, handler.request_deserializer, handler.response_serializer
        )
    return handler
