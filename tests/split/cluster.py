"""The whole split run as an operator starts it, for end-to-end and fault tests: a Redis server of
its own (so restarting it disturbs no other test), a fresh PostgreSQL database, `trading migrate`,
every service twice with `trading serve <service>`, `trading bootstrap`, the edge twice (`trading
edge --port`) and Envoy (`trading gateway`, balancing over both edges), each its own process. Each
billing replica serves the Stripe twin on a port of its own (their objects are shared in the
database), so a test can pay a checkout made through one replica on the other's twin."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.conftest import PG_ADMIN_URL, require_service
from tests.split.processes import ROOT, Proc, base_env, free_port, wait_until

SERVICES = ("auth", "education", "market", "inference", "broker", "billing", "agent", "platform")
DOUBLED = SERVICES  # two replicas of each
EDGES = 2
SYMBOL = "BTCUSD"  # trades around the clock: the test runs the same on a weekend


class RedisServer:
    """A redis-server of its own on a free port, that a test may stop and start again."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self.answers, "redis-server answers PING")

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@contextmanager
def fresh_database() -> Iterator[str]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"trading_split_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Cluster:
    data_dir: Path
    database: str
    redis: RedisServer
    env: dict[str, str]
    url: str  # Envoy
    edge_urls: list[str]
    twin_urls: list[str]  # per billing replica
    ports: dict[str, list[int]]
    procs: dict[str, Proc] = field(default_factory=dict)

    @property
    def edge_url(self) -> str:
        return self.edge_urls[0]

    def sql(self, query: str, *args: object) -> list[tuple]:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{self.database}", autocommit=True) as c:
            return list(c.execute(query, args).fetchall())  # type: ignore[arg-type]

    def replicas(self, service: str) -> list[Proc]:
        return [p for name, p in self.procs.items() if name.split("#")[0] == service]

    def logs(self, service: str) -> str:
        return "".join(line for p in self.replicas(service) for line in p.lines)

    def restart(self, service: str, i: int) -> Proc:
        """Start replica `i` of `service` again on its port (after it was killed)."""
        serve(self, service, i)
        return self.procs[f"{service}#{i}"]

    def stop(self) -> None:
        for proc in reversed(list(self.procs.values())):
            proc.stop()


def run_command(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"trading {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def settings_env(
    data_dir: Path, database: str, redis_url: str, ports: dict[str, list[int]]
) -> dict[str, str]:
    envoy_port, admin_port = free_port(), free_port()
    addresses = {s: ",".join(f"127.0.0.1:{p}" for p in ports[s]) for s in SERVICES}
    return base_env(
        data_dir,
        TRADING_DATABASE_URL=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}",
        TRADING_REDIS_URL=redis_url,
        TRADING_REDIS_NAMESPACE=f"split{envoy_port}",
        TRADING_SERVICE_ADDRESSES=json.dumps(addresses),
        TRADING_INTERNAL_API_KEY=uuid.uuid4().hex,
        TRADING_PROXY_SECRET=uuid.uuid4().hex,
        TRADING_ENVOY_PORT=str(envoy_port),
        TRADING_ENVOY_ADMIN_PORT=str(admin_port),
        TRADING_EDGE_PORT=str(ports["edge"][0]),  # each edge replica is given its own with --port
        TRADING_ENVOY_WORKERS="1",
        TRADING_LOG_LEVEL="INFO",  # the lease takeovers are logged at INFO
        TRADING_PUBLIC_URL=f"http://127.0.0.1:{envoy_port}",
        # a dead holder's jobs move within seconds, not the production 15 s
        TRADING_LEASE_TTL_S="3",
        # a small market: demo bars for one symbol (enough 5-minute bars to train on), quick quotes
        TRADING_MARKET_DEMO_SYMBOLS=json.dumps([SYMBOL]),
        TRADING_MARKET_TICKER_SYMBOLS=json.dumps([SYMBOL]),
        TRADING_MARKET_DEMO_DAYS="9",
        TRADING_MARKET_STREAM_INTERVAL_S="0.2",
        TRADING_INFERENCE_ACTIVE_SYMBOLS=json.dumps([SYMBOL]),
        # a scheduler slot every 30 s instead of 15 min, so slots pass while the test runs
        TRADING_INFERENCE_SCHEDULE_INTERVAL_S="30",
        TRADING_BILLING_TWIN_WEBHOOK_URL=f"http://127.0.0.1:{envoy_port}/payments/webhook",
    )


@contextmanager
def split_cluster(workdir: Path, *, doubled: tuple[str, ...] = DOUBLED) -> Iterator[Cluster]:
    data_dir = workdir / "data"
    data_dir.mkdir()
    redis = RedisServer(workdir)
    redis.start()
    ports = {s: [free_port() for _ in range(2 if s in doubled else 1)] for s in SERVICES}
    ports["edge"] = [free_port() for _ in range(EDGES)]
    ports["twin"] = [free_port() for _ in ports["billing"]]
    try:
        with fresh_database() as database:
            env = settings_env(data_dir, database, redis.url, ports)
            cluster = Cluster(
                data_dir, database, redis, env,
                url=f"http://127.0.0.1:{env['TRADING_ENVOY_PORT']}",
                edge_urls=[f"http://127.0.0.1:{p}" for p in ports["edge"]],
                twin_urls=[f"http://127.0.0.1:{p}" for p in ports["twin"]],
                ports=ports,
            )  # fmt: skip
            try:
                start(cluster)
                yield cluster
            finally:
                cluster.stop()
    finally:
        redis.stop()


def start(cluster: Cluster) -> None:
    env = cluster.env
    began = time.monotonic()
    run_command(env, "migrate")
    # the signing key every process reads from the data folder, before any of them starts
    run_command(env, "bootstrap", "--no-migrate", "auth")
    for service in SERVICES:
        for i in range(len(cluster.ports[service])):
            serve(cluster, service, i)
    for proc in cluster.procs.values():
        proc.wait_ready()
    print(f"split run: services up after {time.monotonic() - began:.0f} s", flush=True)
    run_command(env, "bootstrap", "--no-migrate")
    print(f"split run: bootstrapped after {time.monotonic() - began:.0f} s", flush=True)
    for i, port in enumerate(cluster.ports["edge"]):
        cluster.procs[f"edge#{i}"] = Proc(f"edge#{i}", ["edge", "--port", str(port)], env, "edge serving")
    for i in range(len(cluster.ports["edge"])):
        cluster.procs[f"edge#{i}"].wait_ready()
    edges = ",".join(f"127.0.0.1:{p}" for p in cluster.ports["edge"])
    gateway = Proc(
        "gateway", ["gateway", "--edge-host", edges, "--base-id", str(free_port())], env, "gateway listening"
    )
    cluster.procs["gateway"] = gateway
    gateway.wait_ready()
    print(f"split run: gateway up after {time.monotonic() - began:.0f} s", flush=True)


def serve(cluster: Cluster, service: str, i: int) -> None:
    port = cluster.ports[service][i]
    env = {**cluster.env, "TRADING_METRICS_PORT": "0"}
    if service == "billing":
        env["TRADING_BILLING_TWIN_PORT"] = str(cluster.ports["twin"][i])
    name = f"{service}#{i}"
    cluster.procs[name] = Proc(name, ["serve", service, "--port", str(port)], env, "serving on")
