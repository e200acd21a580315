"""The client factory against real servers: retries only for idempotent RPCs, the breaker,
deadlines, and which identity travels with a call."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from trading.auth.v1 import auth_messages_pb2 as auth_pb
from trading.auth.v1 import auth_service_pb2_grpc as auth_grpc
from trading.platform.v1 import platform_messages_pb2 as pb
from trading.platform.v1 import platform_service_pb2_grpc as pb_grpc

from app.platform_service import PlatformServicer
from core.auth import current_bearer
from core.breaker import BreakerConfig
from core.clients import ClientFactory
from core.clock import Clock
from core.errors import Unavailable
from core.server import create_server
from core.settings import Settings

PLATFORM = "trading.platform.v1.PlatformService"


class FlakyPlatform(PlatformServicer):
    """Answers UNAVAILABLE `failures` times, then normally; remembers the metadata it saw."""

    def __init__(self, failures: int = 0, hang: bool = False) -> None:
        super().__init__(Clock(), [PLATFORM], "test")
        self.failures = failures
        self.hang = hang
        self.calls = 0
        self.metadata: list[dict[str, str]] = []

    async def GetServerInfo(self, request, context):
        self.calls += 1
        self.metadata.append(dict(context.invocation_metadata()))
        if self.hang:  # only the deadline ends it, however slow the machine
            await asyncio.Event().wait()
        if self.calls <= self.failures:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "try again")
        return await super().GetServerInfo(request, context)


class DownAuth(auth_grpc.AuthServiceServicer):
    """Register (a POST, not idempotent) always answers UNAVAILABLE."""

    def __init__(self) -> None:
        self.calls = 0

    async def Register(self, request, context):
        self.calls += 1
        await context.abort(grpc.StatusCode.UNAVAILABLE, "down")


async def serve(*pairs):
    server, port = await create_server("127.0.0.1:0", list(pairs), [PLATFORM])
    return server, port


def factory(port: int, **kwargs) -> ClientFactory:
    settings = Settings(grpc_port=port, default_deadline_s=kwargs.pop("deadline", 5.0))
    return ClientFactory(settings, Clock(), api_key="tk_int_test", **kwargs)


async def test_idempotent_call_is_retried_until_it_succeeds() -> None:
    servicer = FlakyPlatform(failures=2)
    server, port = await serve((pb_grpc.add_PlatformServiceServicer_to_server, servicer))
    clients = factory(port)
    try:
        reply = await clients.stub(pb_grpc.PlatformServiceStub, "platform").GetServerInfo(
            pb.GetServerInfoRequest()
        )
        assert reply.version
        assert servicer.calls == 3
    finally:
        await clients.close()
        await server.stop(0)


async def test_call_that_moves_state_is_never_retried() -> None:
    servicer = DownAuth()
    server, port = await serve((auth_grpc.add_AuthServiceServicer_to_server, servicer))
    clients = factory(port)
    try:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await clients.stub(auth_grpc.AuthServiceStub, "auth").Register(auth_pb.RegisterRequest())
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE
        assert servicer.calls == 1
    finally:
        await clients.close()
        await server.stop(0)


async def test_every_call_has_a_deadline() -> None:
    servicer = FlakyPlatform(hang=True)
    server, port = await serve((pb_grpc.add_PlatformServiceServicer_to_server, servicer))
    clients = factory(port, deadline=0.2)
    try:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await clients.stub(pb_grpc.PlatformServiceStub, "platform").GetServerInfo(
                pb.GetServerInfoRequest()
            )
        assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    finally:
        await clients.close()
        await server.stop(0)


async def test_breaker_opens_on_a_dead_service_and_fails_fast() -> None:
    clients = ClientFactory(
        Settings(service_addresses={"ml": "127.0.0.1:9"}, default_deadline_s=0.5),
        Clock(),
        breakers={"ml": BreakerConfig(failure_threshold=2, timeout_s=1, reset_s=60)},
    )
    stub = clients.stub(pb_grpc.PlatformServiceStub, "ml")
    try:
        # An idempotent call retries: its second failed attempt already trips the breaker.
        with pytest.raises((grpc.aio.AioRpcError, Unavailable)):
            await stub.GetServerInfo(pb.GetServerInfoRequest())
        assert clients.breaker("ml").state == "open"
        with pytest.raises(Unavailable) as err:
            await stub.GetServerInfo(pb.GetServerInfoRequest())
        assert err.value.reason == "CIRCUIT_OPEN"
        assert 0 < err.value.retry_after_s <= 60
    finally:
        await clients.close()


async def test_service_key_travels_by_default_and_the_users_token_when_asked() -> None:
    servicer = FlakyPlatform()
    server, port = await serve((pb_grpc.add_PlatformServiceServicer_to_server, servicer))
    clients = factory(port)
    stub = clients.stub(pb_grpc.PlatformServiceStub, "platform")
    token = current_bearer.set("Bearer user-token")
    try:
        await stub.GetServerInfo(pb.GetServerInfoRequest())
        await stub.GetServerInfo(pb.GetServerInfoRequest(), as_user=True)
    finally:
        current_bearer.reset(token)
        await clients.close()
        await server.stop(0)
    as_service, as_user = servicer.metadata
    assert as_service["x-api-key"] == "tk_int_test"
    assert "authorization" not in as_service
    assert as_user["authorization"] == "Bearer user-token"
    assert "x-api-key" not in as_user


async def test_stub_made_before_the_server_binds_reaches_the_bound_port() -> None:
    settings = Settings(grpc_port=0)
    clients = ClientFactory(settings, Clock())
    stub = clients.stub(pb_grpc.PlatformServiceStub, "platform")  # as a service's build() does
    server, port = await serve((pb_grpc.add_PlatformServiceServicer_to_server, FlakyPlatform()))
    settings.grpc_port = port  # what the runtime does once the server is bound
    try:
        assert (await stub.GetServerInfo(pb.GetServerInfoRequest())).version
    finally:
        await clients.close()
        await server.stop(0)
