"""The real Envoy in front of the real chassis server and the edge: REST, gRPC, gRPC-Web, WebSocket."""

from __future__ import annotations

import json
import struct

import aiohttp
import grpc
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from multidict import CIMultiDict
from trading.education.v1 import education_messages_pb2 as edu
from trading.education.v1 import education_service_pb2_grpc as edu_grpc
from trading.events.v1 import events_envelope_pb2, events_payloads_pb2
from trading.platform.v1 import platform_messages_pb2 as platform

from app.envoy import Bucket, RateLimit
from core.bus import InProcessBus
from core.clock import Clock
from core.keys import KeyStore
from tests.envoy.gateway_harness import AUDIENCE, ISSUER, Gateway, full_gateway

pytestmark = [pytest.mark.envoy, pytest.mark.asyncio(loop_scope="module")]


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def get(
    gateway: Gateway, path: str, headers: dict[str, str] | None = None
) -> tuple[int, CIMultiDict[str], str]:
    async with aiohttp.ClientSession() as session, session.get(gateway.url + path, headers=headers) as r:
        return r.status, r.headers.copy(), await r.text()


# REST through the transcoder


async def test_public_rest_route_is_transcoded_to_json_without_a_token(gateway: Gateway) -> None:
    status, headers, body = await get(gateway, "/platform/info")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    info = json.loads(body)
    assert info["run_mode"] == "test"
    assert "trading.education.v1.EducationService" in info["services"]


async def test_path_variable_reaches_the_service_and_zero_values_are_printed(
    gateway: Gateway, token: str
) -> None:
    status, _, body = await get(gateway, "/education/courses/forex-basics", bearer(token))
    assert status == 200
    course = json.loads(body)["course"]
    assert course["slug"] == "forex-basics"
    assert course["lesson_count"] == 0  # always_print_primitive_fields
    assert course["enrolled"] is False


async def test_unimplemented_rpc_answers_501_with_a_status_json(gateway: Gateway, token: str) -> None:
    status, headers, body = await get(gateway, "/education/courses", bearer(token))
    assert status == 501
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"code": 12, "message": "ListCourses is not implemented yet", "details": []}


@pytest.mark.parametrize(
    ("slug", "http_status", "code", "reason"),
    [
        ("not-found", 404, 5, "COURSE_NOT_FOUND"),
        ("forbidden", 403, 7, "NOT_OWNER"),
        ("exists", 409, 6, "COURSE_EXISTS"),
        ("quota", 429, 8, "RESOURCE_EXHAUSTED"),
        ("down", 503, 14, "UNAVAILABLE"),
        ("bad", 400, 3, "INVALID_ARGUMENT"),
    ],
)
async def test_domain_errors_come_back_with_the_http_status_of_their_grpc_code(
    gateway: Gateway, token: str, slug: str, http_status: int, code: int, reason: str
) -> None:
    status, _, body = await get(gateway, f"/education/courses/{slug}", bearer(token))
    assert status == http_status
    error = json.loads(body)
    assert error["code"] == code
    info = next(d for d in error["details"] if d["@type"].endswith("google.rpc.ErrorInfo"))
    assert info["reason"] == reason
    assert info["domain"] == "trading.education"


async def test_server_stream_is_transcoded_to_newline_delimited_json(gateway: Gateway, token: str) -> None:
    status, _, body = await get(gateway, "/platform/heartbeats?count=3", bearer(token))
    assert status == 200
    lines = [json.loads(line) for line in body.splitlines() if line]
    assert [line["sequence"] for line in lines] == [1, 2, 3]


async def test_unknown_query_parameter_is_ignored(gateway: Gateway) -> None:
    status, _, body = await get(gateway, "/platform/info?_=1700000000")
    assert status == 200
    assert json.loads(body)["run_mode"] == "test"


# tokens at the door


async def test_missing_token_on_a_protected_route_is_401_status_json(gateway: Gateway) -> None:
    status, headers, body = await get(gateway, "/education/courses/forex-basics")
    assert status == 401
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["code"] == 16


async def test_forged_token_with_a_known_kid_is_401(gateway: Gateway, keys: KeyStore, clock: Clock) -> None:
    real = jwt.get_unverified_header(keys.sign_access_token({"sub": "u1"}))
    claims = jwt.decode(keys.sign_access_token({"sub": "u1"}), options={"verify_signature": False})
    forged = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": real["kid"]})
    status, _, _ = await get(gateway, "/education/courses/forex-basics", bearer(forged))
    assert status == 401


async def test_token_for_another_audience_is_refused_with_403(gateway: Gateway, keys: KeyStore) -> None:
    other = keys.sign_access_token({"sub": "u1", "aud": "someone-else"})
    status, _, body = await get(gateway, "/education/courses/forex-basics", bearer(other))
    assert status == 403  # jwt_authn's answer to a valid token meant for someone else
    assert json.loads(body)["code"] == 7


async def test_token_from_another_issuer_is_401(gateway: Gateway, keys: KeyStore) -> None:
    other = keys.sign_access_token({"sub": "u1", "iss": "https://evil.test"})
    status, _, _ = await get(gateway, "/education/courses/forex-basics", bearer(other))
    assert status == 401


async def test_token_in_the_query_string_is_not_accepted(gateway: Gateway, token: str) -> None:
    status, _, _ = await get(gateway, f"/education/courses/forex-basics?access_token={token}")
    assert status == 401


@pytest.mark.parametrize(
    "path",
    [
        "//education/courses/forex-basics",
        "/education//courses/forex-basics",
        "/education/./courses/forex-basics",
        "/education/courses/forex-basics/",
        "/education%2Fcourses/forex-basics",
        "/platform/../education/courses/forex-basics",
    ],
)
async def test_path_tricks_do_not_reach_a_protected_rpc_without_a_token(gateway: Gateway, path: str) -> None:
    status, _, body = await get(gateway, path)
    assert status != 200, body
    assert "forex-basics" not in body


async def test_forged_token_on_a_public_route_passes_the_door(gateway: Gateway) -> None:
    status, _, _ = await get(gateway, "/platform/info", bearer("not.a.jwt"))
    assert status == 200


async def test_native_grpc_call_without_token_is_stopped_by_envoy(gateway: Gateway, token: str) -> None:
    async with grpc.aio.insecure_channel(gateway.envoy_target) as channel:
        stub = edu_grpc.EducationServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.GetCourse(edu.GetCourseRequest(slug="forex-basics"), timeout=5)
        reply = await stub.GetCourse(
            edu.GetCourseRequest(slug="forex-basics"),
            metadata=(("authorization", f"Bearer {token}"),),
            timeout=5,
        )
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "Jwt is missing" in (refused.value.details() or "")  # Envoy's words, not the service's
    assert reply.course.slug == "forex-basics"


async def test_grpc_web_call_is_answered(gateway: Gateway) -> None:
    message = platform.GetServerInfoRequest().SerializeToString()
    frame = b"\x00" + struct.pack(">I", len(message)) + message
    headers = {"content-type": "application/grpc-web+proto", "x-grpc-web": "1"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            gateway.url + "/trading.platform.v1.PlatformService/GetServerInfo", data=frame, headers=headers
        ) as r,
    ):
        body = await r.read()
    assert r.status == 200
    assert body[0] == 0
    length = struct.unpack(">I", body[1:5])[0]
    reply = platform.GetServerInfoResponse.FromString(body[5 : 5 + length])
    assert reply.run_mode == "test"


# CORS, health, WebSocket, rate limit


async def test_cors_preflight_from_the_web_origin_is_answered(gateway: Gateway) -> None:
    headers = {
        "Origin": "http://app.test",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    async with aiohttp.ClientSession() as session:
        async with session.options(gateway.url + "/education/courses", headers=headers) as allowed:
            allowed_headers = allowed.headers.copy()
        other = {**headers, "Origin": "http://evil.test"}
        async with session.options(gateway.url + "/education/courses", headers=other) as refused:
            refused_headers = refused.headers.copy()
    assert allowed.status == 200
    assert allowed_headers["access-control-allow-origin"] == "http://app.test"
    assert "authorization" in allowed_headers["access-control-allow-headers"]
    assert "access-control-allow-origin" not in refused_headers


async def test_health_is_answered_through_envoy(gateway: Gateway) -> None:
    status, _, body = await get(gateway, "/health")
    assert status == 200
    report = json.loads(body)
    assert report["status"] == "ok"
    assert report["services"]["trading.platform.v1.PlatformService"] == "SERVING"


async def test_websocket_through_envoy_delivers_the_users_events(
    gateway: Gateway, token: str, bus: InProcessBus
) -> None:
    event = events_envelope_pb2.Event(
        id="e1", type="trade_executed", channel="user:u1:trades",
        trade_executed=events_payloads_pb2.TradeExecuted(trade_id="t1"),
    )  # fmt: skip
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(gateway.url + "/ws", protocols=("trading.v1", f"bearer.{token}")) as ws,
    ):
        assert ws.protocol == "trading.v1"
        assert (await ws.receive_json(timeout=5))["type"] == "ready"
        await ws.send_json({"type": "subscribe", "channels": ["user:u1:trades"]})
        assert (await ws.receive_json(timeout=5))["channels"] == ["user:u1:trades"]
        await bus.publish("user:u1:trades", event.SerializeToString())
        frame = await ws.receive_json(timeout=5)
    assert frame["channel"] == "user:u1:trades"
    assert frame["event"]["trade_executed"]["trade_id"] == "t1"


async def test_rate_limit_answers_429_status_json(
    keys: KeyStore, clock: Clock, bus: InProcessBus, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tiny = RateLimit(max_tokens=2, tokens_per_fill=1, fill_interval_s=60)
    async with full_gateway(keys, clock, bus, tmp_path_factory.mktemp("limited"), rate_limit=tiny) as limited:
        statuses = [(await get(limited, "/platform/info"))[0] for _ in range(2)]
        status, headers, body = await get(limited, "/platform/info")
    assert statuses == [200, 200]
    assert status == 429
    assert json.loads(body)["code"] == 8
    assert headers["retry-after"] == "60"


async def test_envoy_checks_issuer_and_audience_from_settings(gateway: Gateway) -> None:
    assert (gateway.settings.jwt_issuer, gateway.settings.jwt_audience) == (ISSUER, AUDIENCE)


async def _status_from(gateway: Gateway, path: str, headers: dict[str, str], local: str) -> int:
    connector = aiohttp.TCPConnector(local_addr=(local, 0))
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(gateway.url + path, headers=headers) as r,
    ):
        return r.status


async def test_one_client_cannot_use_up_the_rate_limit_of_others(
    keys: KeyStore, clock: Clock, bus: InProcessBus, tmp_path_factory: pytest.TempPathFactory
) -> None:
    per_client = RateLimit(per_address=Bucket(4, 1, 60), per_token=Bucket(2, 1, 60))
    workdir = tmp_path_factory.mktemp("per-client")
    async with full_gateway(keys, clock, bus, workdir, rate_limit=per_client) as gw:
        greedy = bearer(keys.sign_access_token({"sub": "greedy"}))
        polite = bearer(keys.sign_access_token({"sub": "polite"}))
        by_token = [await _status_from(gw, "/platform/info", greedy, "127.0.0.1") for _ in range(3)]
        other_token = await _status_from(gw, "/platform/info", polite, "127.0.0.1")
        by_address = [await _status_from(gw, "/platform/info", {}, "127.0.0.2") for _ in range(5)]
        other_address = await _status_from(gw, "/platform/info", {}, "127.0.0.3")
    assert by_token == [200, 200, 429]
    assert other_token == 200
    assert by_address == [200] * 4 + [429]
    assert other_address == 200
