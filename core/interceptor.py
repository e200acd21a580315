"""The chassis interceptor: one wrapper per RPC doing, in order, request id, authentication,
the role check, input validation, the plan quota (given back when the call then fails, so only
served calls count), a server-side deadline cap, domain-error to status mapping, metrics and the
access log.

The steps live in their own modules (auth, quotas, validation, status, metrics); composing them
in one wrapper, built once per method and cached, keeps the per-call cost low.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import math
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from google.protobuf.message import Message

from core import access, logs, metrics
from core.access import AccessRule
from core.auth import Authenticator, authorize, current_bearer
from core.errors import DomainError
from core.principal import reset_principal, set_principal
from core.quotas import charge, refund
from core.status import grpc_code, status_of, trailers_of
from core.validation import validate

log = logging.getLogger("core.rpc")
SLOW_CALL_S = 1.0


def error_domain(method: str) -> str:
    """ "/trading.market.v1.MarketService/X" -> "trading.market"."""
    service, _ = access.split_method(method)
    return ".".join(service.split(".")[:2])


class ChassisInterceptor(grpc.aio.ServerInterceptor):
    """Wraps every RPC handler of a server with the chassis' steps."""

    def __init__(
        self,
        authenticator: Authenticator,
        kv: Any,
        *,
        max_deadline_s: float = 60.0,
        validate_requests: bool = True,
    ) -> None:
        self.authenticator = authenticator
        self.kv = kv
        self.max_deadline_s = max_deadline_s
        self.validate_requests = validate_requests
        self._cache: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Any], details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None:
            return handler
        cached = self._cache.get(details.method)  # type: ignore[attr-defined]
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = self._wrap(details.method, handler)  # type: ignore[attr-defined]
        self._cache[details.method] = (handler, wrapped)  # type: ignore[attr-defined]
        return wrapped

    def _wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        rule = access.rule_for(method)
        kwargs = {
            "request_deserializer": handler.request_deserializer,
            "response_serializer": handler.response_serializer,
        }
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(self._unary(rule, handler.unary_unary), **kwargs)
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._server_stream(rule, handler.unary_stream), **kwargs
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                self._client_stream(rule, handler.stream_unary), **kwargs
            )
        return grpc.stream_stream_rpc_method_handler(
            self._server_stream(rule, handler.stream_stream), **kwargs
        )

    async def _admit(
        self, rule: AccessRule, request: Any, context: grpc.aio.ServicerContext
    ) -> tuple[tuple, str]:
        """Authenticate, authorize, validate and charge the quota; returns contextvar tokens and
        the quota counter charged."""
        md = context.invocation_metadata() or ()
        principal, bearer = await self.authenticator.authenticate(md, rule)
        authorize(rule, principal)
        if self.validate_requests and request is not None:
            validate(request)
        charged = await charge(self.kv, rule.quota, principal, context.peer() or "") if rule.quota else ""
        return (set_principal(principal), current_bearer.set(bearer)), charged

    @contextlib.asynccontextmanager
    async def _guard(
        self, rule: AccessRule, request: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[None]:
        """One call's frame: request id, admission (auth, role, quota, validation) and the
        principal for the handler; any failure put on the wire as a status; metrics and log."""
        started, rid_token = self._start(context)
        code = "OK"
        charged = ""
        try:
            tokens, charged = await self._admit(rule, request, context)
            try:
                yield
            finally:
                _reset(tokens)
        except BaseException as exc:
            code = code_name(exc)
            if charged:
                await refund(self.kv, charged)
            await self._fail(rule, context, exc)
        finally:
            self._finish(rule, started, code, rid_token)

    def _unary(self, rule: AccessRule, behavior: Callable) -> Callable:
        async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
            async with self._guard(rule, request, context), asyncio.timeout(self._cap(context)):
                return await behavior(request, context)

        return call

    def _server_stream(self, rule: AccessRule, behavior: Callable) -> Callable:
        """Server-streaming and bidirectional calls (for the latter `request` is the iterator)."""

        async def call(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            single = request if isinstance(request, Message) else None
            async with self._guard(rule, single, context):
                result = behavior(request, context)
                if inspect.isasyncgen(result):
                    async for item in result:
                        yield item
                else:
                    await result

        return call

    def _client_stream(self, rule: AccessRule, behavior: Callable) -> Callable:
        async def call(request_iterator: Any, context: grpc.aio.ServicerContext) -> Any:
            async with self._guard(rule, None, context):
                return await behavior(request_iterator, context)

        return call

    def _cap(self, context: grpc.aio.ServicerContext) -> float:
        remaining = context.time_remaining()
        return self.max_deadline_s if remaining is None else min(remaining, self.max_deadline_s)

    def _start(self, context: grpc.aio.ServicerContext) -> tuple[float, Any]:
        rid = ""
        for key, value in context.invocation_metadata() or ():
            if key == "x-request-id":
                rid = str(value)[:128]
                break
        return time.perf_counter(), logs.request_id.set(rid or logs.new_request_id())

    async def _fail(self, rule: AccessRule, context: grpc.aio.ServicerContext, exc: BaseException) -> None:
        """Put a failure on the wire as a status (this raises, as context.abort does)."""
        if isinstance(exc, grpc.aio.AbortError | asyncio.CancelledError | GeneratorExit | KeyboardInterrupt):
            raise exc
        rid = logs.request_id.get()
        if isinstance(exc, DomainError):
            status = status_of(exc, error_domain(rule.method))
            trailers = [*trailers_of(status), ("x-request-id", rid)]
            retry_after = getattr(exc, "retry_after_s", None)
            if retry_after is not None:  # becomes the Retry-After header of a REST reply
                trailers.append(("retry-after", str(max(1, math.ceil(retry_after)))))
            await context.abort(grpc_code(exc), exc.message, trailing_metadata=tuple(trailers))
        if isinstance(exc, NotImplementedError):
            await context.abort(
                grpc.StatusCode.UNIMPLEMENTED,
                "this method is not implemented",
                trailing_metadata=(("x-request-id", rid),),
            )
        if isinstance(exc, TimeoutError):
            await context.abort(
                grpc.StatusCode.DEADLINE_EXCEEDED,
                "the server's time limit for this call ran out",
                trailing_metadata=(("x-request-id", rid),),
            )
        log.error("unhandled error in %s", rule.method, exc_info=exc)
        await context.abort(
            grpc.StatusCode.INTERNAL,
            f"internal error (request id {rid})",
            trailing_metadata=(("x-request-id", rid),),
        )

    def _finish(self, rule: AccessRule, started: float, code: str, rid_token: Any) -> None:
        elapsed = time.perf_counter() - started
        metrics.RPC_LATENCY.labels(rule.method, code).observe(elapsed)
        if code != "OK" or elapsed > SLOW_CALL_S:
            log.info(
                "rpc", extra={"fields": {"method": rule.method, "code": code, "ms": round(elapsed * 1000, 2)}}
            )
        logs.request_id.reset(rid_token)


def code_name(exc: BaseException) -> str:
    """The status code name a failure ends the call with."""
    if isinstance(exc, DomainError):
        return exc.code.name
    if isinstance(exc, TimeoutError):
        return "DEADLINE_EXCEEDED"
    if isinstance(exc, NotImplementedError):
        return "UNIMPLEMENTED"
    if isinstance(exc, asyncio.CancelledError | GeneratorExit):
        return "CANCELLED"
    if isinstance(exc, grpc.aio.AbortError):
        return "ABORTED_BY_HANDLER"
    return "INTERNAL"


def _reset(tokens: tuple) -> None:
    principal_token, bearer_token = tokens
    current_bearer.reset(bearer_token)
    reset_principal(principal_token)
