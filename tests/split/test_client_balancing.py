"""Client-side balancing for callers that bypass Envoy (core.clients): a domain's replicas share the
calls round robin; a replica that is gone gets none, and takes calls again when it is back; a DNS
name stands for every replica it resolves to."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from trading.platform.v1 import platform_messages_pb2 as pb
from trading.platform.v1 import platform_service_pb2_grpc as rpc

from app.platform_service import PlatformServicer
from core.clients import ClientFactory, balanced_target, grpc_service_of
from core.clock import TestClock
from core.server import Server, create_server
from core.settings import Settings
from tests.split.flows import eventually

SERVICE = "trading.platform.v1.PlatformService"


@pytest.fixture
async def replicas() -> AsyncIterator[list[Server]]:
    started = []
    for name in ("replica-a", "replica-b"):
        servicer = PlatformServicer(TestClock(), [SERVICE], name)
        server, _ = await create_server(
            "127.0.0.1:0", [(rpc.add_PlatformServiceServicer_to_server, servicer)], [SERVICE]
        )
        started.append(server)
    yield started
    for server in started:
        await server.stop(0)


@pytest.fixture
async def clients(replicas: list[Server]) -> AsyncIterator[ClientFactory]:
    listed = ",".join(f"127.0.0.1:{s.port}" for s in replicas)
    factory = ClientFactory(Settings(service_addresses={"platform": listed}), TestClock())
    yield factory
    await factory.close()


async def who_answers(clients: ClientFactory, n: int) -> Counter[str]:
    stub = clients.stub(rpc.PlatformServiceStub, "platform")
    return Counter(
        [(await stub.GetServerInfo(pb.GetServerInfoRequest(), timeout=10)).run_mode for _ in range(n)]
    )


async def test_calls_go_round_robin_over_the_replicas(clients: ClientFactory) -> None:
    async def both_connected() -> bool:
        return len(await who_answers(clients, 4)) == 2

    await eventually(both_connected, "both replicas take calls")
    assert await who_answers(clients, 10) == {"replica-a": 5, "replica-b": 5}


async def test_a_stopped_replica_gets_no_calls(clients: ClientFactory, replicas: list[Server]) -> None:
    await eventually(lambda: _both(clients), "both replicas take calls")
    await replicas[0].server.stop(0)
    # its connection is gone: every call (none failing) goes to the other
    assert await who_answers(clients, 10) == {"replica-b": 10}


async def test_a_replica_that_comes_back_takes_calls_again(
    clients: ClientFactory, replicas: list[Server]
) -> None:
    await eventually(lambda: _both(clients), "both replicas take calls")
    port = replicas[1].port
    await replicas[1].stop(0)
    assert await who_answers(clients, 6) == {"replica-a": 6}
    servicer = PlatformServicer(TestClock(), [SERVICE], "replica-b")
    back, _ = await create_server(
        f"127.0.0.1:{port}", [(rpc.add_PlatformServiceServicer_to_server, servicer)], [SERVICE]
    )
    replicas[1] = back
    await eventually(lambda: _both(clients), "the replica back on its address takes calls again")


async def _both(clients: ClientFactory) -> bool:
    return len(await who_answers(clients, 4)) == 2


def test_targets_reach_every_replica() -> None:
    assert balanced_target("10.0.0.1:50051") == "ipv4:10.0.0.1:50051"
    assert balanced_target("10.0.0.1:50051, 10.0.0.2:50051") == "ipv4:10.0.0.1:50051,10.0.0.2:50051"
    assert balanced_target("broker:50051") == "dns:///broker:50051"
    assert balanced_target("localhost:1,127.0.0.1:2").startswith("ipv4:127.0.0.1:1,")
    with pytest.raises(ValueError, match="host:port"):
        balanced_target("broker")


async def test_a_replica_not_serving_the_service_gets_no_calls_until_it_serves_again(
    clients: ClientFactory, replicas: list[Server]
) -> None:
    await eventually(lambda: _both(clients), "both replicas take calls")
    await replicas[0].set_service_serving(SERVICE, False)  # connected, but its health says NOT_SERVING

    async def only_b() -> bool:
        return await who_answers(clients, 4) == {"replica-b": 4}

    await eventually(only_b, "the replica not serving is skipped")
    assert await who_answers(clients, 10) == {"replica-b": 10}
    await replicas[0].set_service_serving(SERVICE, True)
    await eventually(lambda: _both(clients), "the replica serving again takes calls again")


async def test_the_health_watch_streams_status_changes_through_the_tracing_interceptor(
    replicas: list[Server],
) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{replicas[0].port}") as channel:
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=SERVICE))
        first = await watch.read()
        assert first.status == health_pb2.HealthCheckResponse.SERVING
        await replicas[0].set_service_serving(SERVICE, False)
        second = await watch.read()
        assert second.status == health_pb2.HealthCheckResponse.NOT_SERVING
        watch.cancel()


def test_a_stub_names_the_grpc_service_it_calls() -> None:
    assert grpc_service_of(rpc.PlatformServiceStub) == SERVICE
