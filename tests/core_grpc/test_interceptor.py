"""The chassis interceptor end to end: auth, roles, validation, errors, deadlines."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.rpc import error_details_pb2
from trading.platform.v1 import platform_messages_pb2 as pb

from app.platform_service import PlatformServicer
from core.clock import Clock
from core.errors import NotFound, ResourceExhausted
from core.keys import KeyStore
from core.status import details_of, unpack_detail

from .conftest import SERVICE, Running, start


def error_info(err: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo:
    status = details_of(err)
    assert status is not None, "the error carries google.rpc.Status details"
    info = unpack_detail(status, error_details_pb2.ErrorInfo)
    assert info is not None
    return info


async def test_public_rpc_answers_anonymous_callers(platform: Running) -> None:
    reply = await platform.stub.GetServerInfo(pb.GetServerInfoRequest())
    assert SERVICE in reply.services
    assert reply.server_time.seconds > 0


async def test_user_rpc_without_token_is_unauthenticated_with_reason(platform: Running) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        async for _ in platform.stub.StreamHeartbeats(pb.StreamHeartbeatsRequest(count=1)):
            pass
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    info = error_info(err.value)
    assert (info.reason, info.domain) == ("SIGN_IN_REQUIRED", "trading.platform")


async def test_user_rpc_with_valid_token_streams(platform: Running) -> None:
    call = platform.stub.StreamHeartbeats(pb.StreamHeartbeatsRequest(count=3), metadata=platform.token())
    beats = [b.sequence async for b in call]
    assert beats == [1, 2, 3]


async def test_token_signed_by_another_key_is_refused(platform: Running) -> None:
    forger = KeyStore.ephemeral("https://trading.test", "trading-api", Clock())
    forged = (("authorization", f"Bearer {forger.sign_access_token({'sub': 'user-1'})}"),)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        async for _ in platform.stub.StreamHeartbeats(pb.StreamHeartbeatsRequest(count=1), metadata=forged):
            pass
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_bad_token_on_public_rpc_is_treated_as_anonymous(platform: Running) -> None:
    reply = await platform.stub.GetServerInfo(
        pb.GetServerInfoRequest(), metadata=(("authorization", "Bearer x.y.z"),)
    )
    assert reply.version


async def test_invalid_input_gets_field_violations(platform: Running) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        async for _ in platform.stub.StreamHeartbeats(
            pb.StreamHeartbeatsRequest(count=0), metadata=platform.token()
        ):
            pass
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = details_of(err.value)
    assert status is not None
    bad = unpack_detail(status, error_details_pb2.BadRequest)
    assert [v.field for v in bad.field_violations] == ["count"]
    assert error_info(err.value).reason == "VALIDATION_FAILED"


class FailingPlatform(PlatformServicer):
    """The real contract, answering with the failure named in the request's count."""

    def __init__(self, failure: BaseException | None = None, hang: bool = False) -> None:
        super().__init__(Clock(), [SERVICE], "test")
        self.failure = failure
        self.hang = hang

    async def GetServerInfo(self, request, context):
        if self.hang:  # only the deadline ends it, however slow the machine
            await asyncio.Event().wait()
        if self.failure:
            raise self.failure
        return await super().GetServerInfo(request, context)


async def _call_failing(servicer: FailingPlatform, **kwargs: float) -> grpc.aio.AioRpcError:
    running = await start(servicer, **kwargs)
    try:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await running.stub.GetServerInfo(
                pb.GetServerInfoRequest(), metadata=(("x-request-id", "req-42"),)
            )
        return err.value
    finally:
        await running.channel.close()
        await running.server.stop(0)


async def test_domain_error_maps_to_status_with_error_info() -> None:
    err = await _call_failing(FailingPlatform(NotFound("no such symbol", reason="SYMBOL_NOT_FOUND")))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert err.details() == "no such symbol"
    assert error_info(err).reason == "SYMBOL_NOT_FOUND"


async def test_rate_limit_error_carries_retry_info() -> None:
    err = await _call_failing(FailingPlatform(ResourceExhausted("slow down", retry_after_s=12.5)))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    status = details_of(err)
    retry = unpack_detail(status, error_details_pb2.RetryInfo)
    assert retry.retry_delay.ToMilliseconds() == 12_500


async def test_unexpected_exception_is_internal_without_leaking_the_message() -> None:
    err = await _call_failing(FailingPlatform(RuntimeError("password=hunter2")))
    assert err.code() == grpc.StatusCode.INTERNAL
    assert "hunter2" not in (err.details() or "")
    assert "req-42" in (err.details() or "")


async def test_server_caps_the_deadline_of_a_slow_call() -> None:
    err = await _call_failing(FailingPlatform(hang=True), max_deadline_s=0.2)
    assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED


async def test_health_and_reflection_are_served(platform: Running) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    health = health_pb2_grpc.HealthStub(platform.channel)
    reply = await health.Check(health_pb2.HealthCheckRequest(service=SERVICE))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    refl = reflection_pb2_grpc.ServerReflectionStub(platform.channel)

    async def ask():
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    names = set()
    async for answer in refl.ServerReflectionInfo(ask()):
        names |= {s.name for s in answer.list_services_response.service}
    assert {SERVICE, "grpc.health.v1.Health"} <= names
