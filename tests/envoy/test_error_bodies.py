"""Every error through the gateway is google.rpc.Status JSON with the right HTTP status: the
transcoder's parse errors, unknown enum values, a body too large, unknown paths and methods, as
well as the services' own errors; gRPC and gRPC-Web callers keep their grpc-status."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import grpc
import pytest
from trading.education.v1 import education_messages_pb2 as edu
from trading.education.v1 import education_service_pb2_grpc as edu_grpc

from tests.envoy.gateway_harness import Gateway

pytestmark = [pytest.mark.envoy, pytest.mark.asyncio(loop_scope="module")]

PROGRESS = "/education/lessons/0b9f0a4e-31a6-4d5e-8c2a-5a8f0b1c2d3e/progress"


async def send(
    gateway: Gateway, method: str, path: str, body: bytes | None = None, token: str = ""
) -> tuple[int, str, Any]:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, gateway.url + path, data=body, headers=headers) as r,
    ):
        text = await r.text()
        return r.status, r.headers.get("content-type", ""), json.loads(text) if text else None


def assert_status_json(reply: tuple[int, str, Any], http_status: int, code: int) -> dict[str, Any]:
    status, content_type, body = reply
    assert (status, content_type.split(";")[0]) == (http_status, "application/json"), reply
    assert body["code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body["details"], list)
    return dict(body)


async def test_a_body_over_the_limit_is_413_status_json(gateway: Gateway, token: str) -> None:
    huge = b'{"id": "' + b"a" * (gateway.settings.max_message_bytes + 1024 * 1024) + b'"}'
    assert_status_json(await send(gateway, "POST", PROGRESS, huge, token), 413, 8)


async def test_malformed_json_is_400_status_json(gateway: Gateway, token: str) -> None:
    body = assert_status_json(await send(gateway, "POST", PROGRESS, b"{not json", token), 400, 3)
    assert "Expected" in body["message"]


async def test_an_unknown_enum_value_is_400_status_json(gateway: Gateway, token: str) -> None:
    reply = await send(gateway, "GET", "/education/courses?level=market", token=token)
    body = assert_status_json(reply, 400, 3)
    assert "market" in body["message"]


async def test_a_value_the_field_cannot_take_is_400_status_json(gateway: Gateway, token: str) -> None:
    reply = await send(gateway, "POST", PROGRESS, b'{"time_spent": "forever"}', token)
    assert_status_json(reply, 400, 3)


async def test_unknown_paths_and_methods_are_status_json(gateway: Gateway) -> None:
    assert_status_json(await send(gateway, "GET", "/no/such/thing"), 404, 5)
    assert_status_json(await send(gateway, "DELETE", "/health"), 405, 12)


async def test_native_grpc_callers_still_get_a_grpc_status(gateway: Gateway) -> None:
    async with grpc.aio.insecure_channel(gateway.envoy_target) as channel:
        stub = edu_grpc.EducationServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.GetCourse(edu.GetCourseRequest(slug="x"), timeout=5)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert not (refused.value.details() or "").startswith("{")
