"""`trading up` with two server processes on PostgreSQL and Redis, used through Envoy: both
processes answer, background jobs run in one of them only, a WebSocket on one worker hears an
event made by a request the other served, one scrape of /metrics counts what every worker served,
and a worker that dies is reported and replaced without its counts being lost or doubled.

Every wait is on observable state (a header, a log line, an event) with a deadline.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families
from trading.broker.v1 import broker_messages_pb2 as bpb
from trading.broker.v1 import broker_service_pb2_grpc
from trading.platform.v1 import platform_messages_pb2 as ppb
from trading.platform.v1 import platform_service_pb2_grpc

from app.placement import EVERY_WORKER, job_name, placement
from app.registry import load_specs
from app.runtime import REPLICA_HEADER, make_context
from app.workers import spread_over_workers, worker_count
from core.settings import Settings
from tests.conftest import drop_service_schemas
from tests.ports import free_port
from tests.split.flows import Client, claims, session

pytestmark = [pytest.mark.envoy, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
ROOT = Path(__file__).resolve().parents[2]
WORKER_LINE = re.compile(r"worker (\d+)\s+pid (\d+)\s+gRPC (\S+)")
T = TypeVar("T")
GET_SERVER_INFO = "/trading.platform.v1.PlatformService/GetServerInfo"


@dataclass
class Run:
    http: str
    edge: str
    data_dir: Path
    log: Path
    process: subprocess.Popen[str]
    workers: dict[int, tuple[int, str]]  # index -> (pid, private gRPC address)
    redis_url: str
    namespace: str

    def replica(self, pid: int) -> str:
        return f"{socket.gethostname()}:{pid}"

    def log_records(self) -> list[dict[str, Any]]:
        records = []
        for line in self.log.read_text().splitlines():
            if line.startswith("{"):
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return records


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str, timeout_s: float = 60) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = await probe()
        if found is not None:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def run(own_pg_database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    drop_service_schemas(own_pg_database_url, load_specs())
    data_dir = tmp_path_factory.mktemp("workers")
    ports = {name: free_port() for name in ("GRPC", "EDGE", "ENVOY", "ENVOY_ADMIN")}
    namespace = f"w{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "TRADING_DATA_DIR": str(data_dir),
        "TRADING_LOG_JSON": "true",
        "TRADING_WORKERS": "2",
        "TRADING_DATABASE_URL": own_pg_database_url,
        "TRADING_REDIS_URL": redis_url,
        "TRADING_REDIS_NAMESPACE": namespace,
        "TRADING_INFERENCE_ACTIVE_SYMBOLS": "[]",  # no training: seconds, not minutes
        "TRADING_MARKET_DEMO_SYMBOLS": '["BTCUSD"]',  # trades every day
        "TRADING_MARKET_DEMO_DAYS": "2",
        "TRADING_MARKET_TICKER_SYMBOLS": '["BTCUSD"]',
        "TRADING_MARKET_STREAM_INTERVAL_S": "0.2",
        **{f"TRADING_{name}_PORT": str(port) for name, port in ports.items()},
    }
    log_path = data_dir / "up.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "up", "--envoy-base-id", str(ports["ENVOY"] % 60000)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        workers = _wait_for_banner(proc, log_path)
        yield Run(
            f"http://127.0.0.1:{ports['ENVOY']}",
            f"http://127.0.0.1:{ports['EDGE']}",
            data_dir,
            log_path,
            proc,
            workers,
            redis_url,
            namespace,
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        finally:
            log.close()


def _wait_for_banner(
    proc: subprocess.Popen[str], log: Path, timeout_s: float = 300
) -> dict[int, tuple[int, str]]:
    deadline = time.monotonic() + timeout_s
    assert proc.stdout is not None
    workers: dict[int, tuple[int, str]] = {}
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if m := WORKER_LINE.search(line):
            workers[int(m.group(1))] = (int(m.group(2)), m.group(3))
        if "Ctrl-C stops everything" in line:
            return workers
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"trading up did not come up:\n{log.read_text()[-4000:]}")


async def _replica_of_info(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(f"{url}/platform/info") as response:
        assert response.status == 200, await response.text()
        return response.headers[REPLICA_HEADER]


async def test_two_workers_each_answer_through_envoy(run: Run) -> None:
    assert sorted(run.workers) == [0, 1]
    expected = {run.replica(pid) for pid, _ in run.workers.values()}
    seen: set[str] = set()
    async with aiohttp.ClientSession() as http:

        async def both() -> set[str] | None:
            seen.add(await _replica_of_info(http, run.http))
            return seen if seen == expected else None

        assert await eventually(both, "answers from both workers") == expected


async def test_background_jobs_run_in_one_worker(run: Run) -> None:
    """The run's once-only jobs and the services' own leased jobs (scheduler, SL/TP sweeps, Stripe
    poller, ticker feeds) each started in exactly one of the two workers."""
    replicas = {run.replica(pid) for pid, _ in run.workers.values()}
    wanted = ("PracticeWatcher.run", "scorecard_loop")
    service_leases = ("inference.scheduler", "broker.sweeps", "billing.stripe-poller", "market.tickers")

    async def started() -> dict[str, set[str]] | None:
        by_job: dict[str, set[str]] = {}
        for record in run.log_records():
            if record.get("msg") == "background job started":
                by_job.setdefault(record["job"], set()).add(record["replica"])
            elif record.get("msg") == "job running on this replica" and record["lease"] in service_leases:
                by_job.setdefault(record["lease"], set()).add(record["replica"])
        named = [j for j in by_job if j.endswith(wanted) or j in service_leases]
        return by_job if len(named) == len(wanted) + len(service_leases) else None

    by_job = await eventually(started, "the background jobs to start")
    for job, where in by_job.items():
        if job.endswith(wanted) or job in service_leases:  # jobs that never fail here
            assert len(where) == 1, f"{job} started in {where}"
        assert where <= replicas


async def test_a_websocket_on_one_worker_hears_an_order_placed_on_the_other(run: Run) -> None:
    async with aiohttp.ClientSession() as http:
        body = {
            "email": f"w-{uuid.uuid4().hex[:6]}@example.com",
            "password": "a long passphrase 1",
            "first_name": "Wo",
            "last_name": "Rker",
        }
        async with http.post(f"{run.http}/auth/register", json=body) as response:
            registered = await response.json()
            assert response.status == 200, registered
        user, token = registered["user"]["id"], registered["tokens"]["access_token"]
        protocols = ("trading.v1", f"bearer.{token}")
        async with http.ws_connect(f"{run.http}/ws", protocols=protocols) as ws:
            assert ws._response is not None
            ws_replica = ws._response.headers[REPLICA_HEADER]
            [other] = [addr for pid, addr in run.workers.values() if run.replica(pid) != ws_replica]
            [same] = [addr for pid, addr in run.workers.values() if run.replica(pid) == ws_replica]
            assert (await ws.receive_json(timeout=30))["type"] == "ready"
            channel = f"user:{user}:trades"
            await ws.send_json({"type": "subscribe", "channels": [channel]})
            assert await ws.receive_json(timeout=30) == {"type": "subscribed", "channels": [channel]}

            first = await _buy(other, token, "on-the-other-worker")
            second = await _buy(same, token, "on-this-worker")
            order_ids = []
            while second not in order_ids:
                message = await ws.receive_json(timeout=30)
                assert message["type"] == "event", message
                order_ids.append(message["event"]["trade_executed"]["order_id"])
            assert order_ids == [first, second]  # each event once, in order


async def _buy(address: str, token: str, client_order_id: str) -> str:
    """A market buy on the worker at `address`, retried (safely: one client order id) until the
    broker there has its first price."""
    metadata = (("authorization", f"Bearer {token}"),)
    request = bpb.CreateOrderRequest(
        symbol="BTCUSD",
        side=bpb.ORDER_SIDE_BUY,
        amount="0.01",
        amount_unit=bpb.AMOUNT_UNIT_LOTS,
        client_order_id=client_order_id,
    )
    async with grpc.aio.insecure_channel(address) as channel:
        paper = broker_service_pb2_grpc.PaperTradingServiceStub(channel)

        async def placed() -> str | None:
            try:
                created = await paper.CreateOrder(request, metadata=metadata, timeout=10)
            except grpc.aio.AioRpcError as refused:
                if refused.code() != grpc.StatusCode.UNAVAILABLE:
                    raise
                return None
            assert created.order.status == bpb.ORDER_STATUS_FILLED
            return str(created.order.order_id)

        return await eventually(placed, f"a BTCUSD price on {address}", timeout_s=120)


async def _server_info_from(address: str) -> str:
    """GetServerInfo straight to one worker's private address; the replica that answered."""
    async with grpc.aio.insecure_channel(address) as channel:
        call = platform_service_pb2_grpc.PlatformServiceStub(channel).GetServerInfo(
            ppb.GetServerInfoRequest(), timeout=10
        )
        await call
        return str(dict(await call.initial_metadata())[REPLICA_HEADER])


async def _scrape(edge: str, method: str = GET_SERVER_INFO) -> tuple[str, float]:
    """One scrape of the edge's /metrics on a new connection (so the kernel picks the worker):
    the replica that answered and how many calls of `method` ended OK by its figures."""
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http,
        http.get(f"{edge}/metrics") as response,
    ):
        assert response.status == 200
        body = await response.text()
        replica = response.headers[REPLICA_HEADER]
    served = [
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "grpc_server_handling_seconds_count"
        and sample.labels == {"method": method, "code": "OK"}
    ]
    return replica, sum(served)


async def _scrapes_from(run: Run, replicas: set[str]) -> list[tuple[str, float]]:
    """Scrapes until each of `replicas` answered at least one; every scrape, in order."""
    scrapes: list[tuple[str, float]] = []

    async def each_answered() -> list[tuple[str, float]] | None:
        scrapes.append(await _scrape(run.edge))
        return scrapes if replicas <= {replica for replica, _ in scrapes} else None

    return await eventually(each_answered, f"scrapes answered by {sorted(replicas)}")


async def test_one_scrape_counts_what_every_worker_served(run: Run) -> None:
    replicas = {run.replica(pid) for pid, _ in run.workers.values()}
    _, before = await _scrape(run.edge)
    answered = [await _server_info_from(address) for _, address in run.workers.values() for _ in range(3)]
    assert set(answered) == replicas  # 3 calls served by each worker
    scrapes = await _scrapes_from(run, replicas)
    assert {value for _, value in scrapes} == {before + 6}, scrapes


async def test_a_checkout_paid_on_the_twin_turns_the_plan_pro(run: Run) -> None:
    """Every worker serves the Stripe twin on one port, its objects in the database: whichever
    worker made the checkout and whichever twin the payment lands on, the plan turns Pro."""
    async with session() as http:
        client = Client(run.http, http)
        me = await client.sign_up(run.log.parent / "mail")
        checkout = {"plan_id": "pro-monthly", "idempotency_key": uuid.uuid4().hex}
        status, started = await client.send("POST", "/payments/checkout", checkout)
        assert status == 200, started
        async with http.post(f"{started['checkout_url']}/pay", allow_redirects=False) as paid:
            assert paid.status == 303

        async def pro() -> bool | None:
            renewed = await client.refresh(me["tokens"]["refresh_token"])
            me["tokens"] = renewed  # a refresh token is used once
            return True if claims(renewed["access_token"])["plan"] == "pro" else None

        await eventually(pro, "the plan in the next token")


async def test_a_worker_that_dies_is_reported_and_replaced(run: Run) -> None:
    """... and the run's counts neither drop nor double: the dead worker's counters stay in the
    shared metric files, its live gauges (breaker states, health checks) are dropped."""
    victim_pid, _ = run.workers[1]
    [metrics_dir] = (run.data_dir / "metrics").iterdir()
    assert (metrics_dir / f"gauge_livemax_{victim_pid}.db").exists()  # its breakers' states
    _, counted = await _scrape(run.edge)
    os.kill(victim_pid, signal.SIGKILL)

    async def replaced() -> int | None:
        died = ready = None
        for record in run.log_records():
            if record.get("msg") == "worker died" and record.get("pid") == victim_pid:
                died = record
            elif died is not None and record.get("msg") == "worker ready" and record.get("worker") == 1:
                ready = record
        return int(ready["pid"]) if died is not None and ready is not None else None

    new_pid = await eventually(replaced, "worker 1 to be started again", timeout_s=180)
    assert new_pid != victim_pid
    assert not (metrics_dir / f"gauge_livemax_{victim_pid}.db").exists()
    assert (metrics_dir / f"histogram_{victim_pid}.db").exists()
    survivor = run.replica(run.workers[0][0])
    scrapes = await _scrapes_from(run, {survivor, run.replica(new_pid)})
    assert {value for _, value in scrapes} == {counted}, scrapes

    seen: set[str] = set()
    calls = 0
    async with aiohttp.ClientSession() as http:

        async def answers() -> bool | None:
            nonlocal calls
            calls += 1
            seen.add(await _replica_of_info(http, run.http))
            return True if run.replica(new_pid) in seen else None

        await eventually(answers, "an answer from the new worker")
    scrapes = await _scrapes_from(run, {survivor, run.replica(new_pid)})
    assert {value for _, value in scrapes} == {counted + calls}, scrapes


# without processes ----------------------------------------------------------------------------


def test_the_embedded_default_runs_one_process(tmp_path: Path) -> None:
    def count(workers: int, redis_url: str = "", database_url: str = "") -> tuple[int, str]:
        return worker_count(
            Settings(data_dir=tmp_path, workers=workers, redis_url=redis_url, database_url=database_url)
        )

    assert count(4)[0] == 1
    assert count(4, redis_url="redis://x")[0] == 1
    assert count(4, database_url="postgresql+asyncpg://x/y")[0] == 1
    assert count(4, "redis://x", "postgresql+asyncpg://x/y") == (4, "")
    assert count(1, "redis://x", "postgresql+asyncpg://x/y") == (1, "")
    assert count(0, "redis://x", "postgresql+asyncpg://x/y")[0] == (os.cpu_count() or 1)


def test_envoy_balances_over_every_worker() -> None:
    shared = {"address": "127.0.0.1", "port_value": 50051}
    cluster = {
        "name": "grpc",
        "load_assignment": {
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"socket_address": shared}}}]}]
        },
        "health_checks": [{"interval": "5s", "unhealthy_threshold": 3}],
    }
    edge = {
        "name": "edge",
        "load_assignment": {
            "endpoints": [
                {
                    "lb_endpoints": [
                        {
                            "endpoint": {
                                "address": {"socket_address": {"address": "127.0.0.1", "port_value": 8081}}
                            }
                        }
                    ]
                }
            ]
        },
    }
    config = {"static_resources": {"clusters": [cluster, edge]}}
    spread_over_workers(config, "127.0.0.1:50051", ["127.0.0.1:7001", "127.0.0.1:7002"])
    endpoints = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"]  # type: ignore[index]
    assert [e["endpoint"]["address"]["socket_address"]["port_value"] for e in endpoints] == [7001, 7002]
    assert cluster["lb_policy"] == "ROUND_ROBIN"
    assert (
        edge["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"][  # type: ignore[index]
            "port_value"
        ]
        == 8081
    )


async def test_every_job_listed_for_every_worker_is_a_real_job(
    pg_database_url: str, redis_url: str, tmp_path: Path
) -> None:
    from app.migrate import migrate
    from core.service import build_spec, load_settings

    specs = load_specs()
    drop_service_schemas(pg_database_url, specs)
    namespace = f"p{uuid.uuid4().hex[:8]}"
    settings = Settings(
        data_dir=tmp_path, database_url=pg_database_url, redis_url=redis_url, redis_namespace=namespace
    )
    await asyncio.to_thread(migrate, settings, specs)
    ctx = make_context(settings)
    placed: set[tuple[str, str, str]] = set()
    try:
        for spec in specs:
            service = await build_spec(spec, ctx, load_settings(spec))
            placed |= {(spec.name, placement(spec.name, t), job_name(t)) for t in service.background}
            if service.close is not None:
                await service.close()
    finally:
        await ctx.clients.close()
        await ctx.bus.close()
        await ctx.db.dispose()
        drop_service_schemas(pg_database_url, specs)
    every = {(service, name) for service, where, name in placed if where == "every"}
    assert every - EVERY_WORKER == {(s, "OutboxRelay.run") for s, _ in every - EVERY_WORKER}
    assert every >= EVERY_WORKER  # each name listed is still a job of its service
    assert ("market", "leased", "leased(market.tickers)") in placed
    assert ("inference", "leased", "leased(inference.scheduler)") in placed
