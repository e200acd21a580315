"""Every RPC of every service, called with an empty request as anonymous, a user, another user and
an admin, answers as its access rule says; an RPC without a rule is refused to everyone.

"The door opened" means any status but UNAUTHENTICATED and PERMISSION_DENIED: an empty request is
usually INVALID_ARGUMENT or NOT_FOUND, and that is the handler speaking, past the access check.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
from google.protobuf import descriptor_pb2, descriptor_pool, empty_pb2

from core import access
from core.service import BuiltService, ServiceContext, ServiceSpec
from tests.rbac.conftest import CALLERS, Outcome, Platform, start_platform

ON_MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")

AUDIENCE_NAMES = {
    access.PUBLIC: "public",
    access.USER: "user",
    access.SUPPORT: "support",
    access.ADMIN: "admin",
    access.SERVICE: "service",
}
NO_RULE_SERVICE = "trading.rbactest.v1.NoRuleService"


def contract_methods() -> list[str]:
    """`/pkg.Service/Method` of every RPC the generated `trading.*` contracts declare."""
    pool = descriptor_pool.Default()
    methods = []
    for module in access.load_contracts():
        file = pool.FindFileByName(module.removesuffix("_pb2").replace(".", "/") + ".proto")
        for service in file.services_by_name.values():
            methods += [f"/{service.full_name}/{m.name}" for m in service.methods]
    return sorted(set(methods))


METHODS = contract_methods()


def _declare_service_without_rule() -> None:
    """A contract whose one RPC carries no access option, as a forgotten rule would look."""
    pool = descriptor_pool.Default()
    try:
        pool.FindServiceByName(NO_RULE_SERVICE)
        return
    except KeyError:
        pass
    file = descriptor_pb2.FileDescriptorProto(
        name="trading/rbactest/v1/no_rule.proto",
        package="trading.rbactest.v1",
        dependency=["google/protobuf/empty.proto"],
        syntax="proto3",
    )
    file.service.add(name="NoRuleService").method.add(
        name="Ping", input_type=".google.protobuf.Empty", output_type=".google.protobuf.Empty"
    )
    pool.Add(file)


async def _build_no_rule(ctx: ServiceContext) -> BuiltService:
    async def ping(request: empty_pb2.Empty, context: grpc.aio.ServicerContext) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    handler = grpc.method_handlers_generic_handler(
        NO_RULE_SERVICE,
        {
            "Ping": grpc.unary_unary_rpc_method_handler(
                ping,
                request_deserializer=empty_pb2.Empty.FromString,
                response_serializer=empty_pb2.Empty.SerializeToString,
            )
        },
    )

    def add(_servicer: Any, server: grpc.aio.Server) -> None:
        server.add_generic_rpc_handlers((handler,))

    return BuiltService(servicers=[(add, None)])


NO_RULE_SPEC = ServiceSpec(
    name="norule", grpc_services=[NO_RULE_SERVICE], metadata=[], migrations=None, build=_build_no_rule
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def platform(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:
    _declare_service_without_rule()
    running, stop = await start_platform(tmp_path_factory.mktemp("rbac"), extra=[NO_RULE_SPEC])
    yield running
    await stop()


def test_every_service_of_the_contracts_is_covered() -> None:
    services = {m.lstrip("/").partition("/")[0] for m in METHODS}
    assert {
        "trading.auth.v1.AuthService",
        "trading.market.v1.MarketService",
        "trading.broker.v1.PaperTradingService",
        "trading.platform.v1.PlatformService",
    } <= services
    assert NO_RULE_SERVICE not in services


@pytest.mark.parametrize("method", METHODS)
def test_every_rpc_declares_an_audience(method: str) -> None:
    rule = access.rule_for(method)
    assert rule.audience in AUDIENCE_NAMES, f"{method} has no access rule"


def expected(audience: int, caller: str) -> str:
    """'open', 'unauthenticated' or 'denied' for this caller on an RPC of this audience."""
    if audience == access.PUBLIC:
        return "open"
    if caller == "anonymous":
        return "unauthenticated"
    if caller == "admin":
        return "open"
    return "open" if audience == access.USER else "denied"


def verdict(outcome: Outcome) -> str:
    if outcome.code == grpc.StatusCode.UNAUTHENTICATED:
        return "unauthenticated"
    if outcome.code == grpc.StatusCode.PERMISSION_DENIED and outcome.reason in (
        "ROLE_NOT_ALLOWED",
        "NO_ACCESS_RULE",
    ):
        return "denied"
    return "open"


@ON_MODULE_LOOP
@pytest.mark.parametrize("method", METHODS)
async def test_each_caller_gets_what_the_rule_says(platform: Platform, method: str) -> None:
    audience = access.rule_for(method).audience
    outcomes = await asyncio.gather(*(platform.call(method, caller=c, timeout=3.0) for c in CALLERS))
    got = {caller: verdict(o) for caller, o in zip(CALLERS, outcomes, strict=True)}
    want = {caller: expected(audience, caller) for caller in CALLERS}
    detail = {caller: (o.code.name, o.reason) for caller, o in zip(CALLERS, outcomes, strict=True)}
    assert got == want, f"{method} ({AUDIENCE_NAMES.get(audience)}): {detail}"
    # A refusal on a non-public RPC comes from the chassis, never from a handler guessing.
    for caller, outcome in zip(CALLERS, outcomes, strict=True):
        if want[caller] == "unauthenticated":
            assert outcome.reason == "SIGN_IN_REQUIRED", (method, caller, outcome)


@ON_MODULE_LOOP
async def test_an_rpc_without_a_rule_is_refused_to_everyone(platform: Platform) -> None:
    method = f"/{NO_RULE_SERVICE}/Ping"
    assert access.rule_for(method).denied
    outcomes = await asyncio.gather(*(platform.call(method, caller=c) for c in CALLERS))
    for caller, outcome in zip(CALLERS, outcomes, strict=True):
        assert (outcome.code, outcome.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NO_ACCESS_RULE"), caller


@ON_MODULE_LOOP
async def test_an_rpc_the_contracts_do_not_know_is_refused(platform: Platform) -> None:
    outcome = await platform.call(f"/{NO_RULE_SERVICE}/Ping", caller="admin")
    assert not outcome.door_opened
