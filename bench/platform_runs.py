"""Start the whole platform for a benchmark, on a fresh PostgreSQL database and Redis namespace:
all-in-one (`trading up` with N worker processes) or split (`trading serve <service>` per domain,
R replicas each, plus `trading edge` and `trading gateway`). Each yields Envoy's URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/0"


@dataclass
class Platform:
    url: str  # Envoy
    database_url: str
    namespace: str
    pids: list[int]


def base_env(data_dir: Path, database_url: str, namespace: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADING_")}
    env.update(
        TRADING_DATA_DIR=str(data_dir), TRADING_LOG_LEVEL="WARNING", TRADING_DATABASE_URL=database_url,
        TRADING_REDIS_URL=REDIS, TRADING_REDIS_NAMESPACE=namespace,
        # no model training (minutes on a busy 2-core machine): the mix reads the signal scorecard
        TRADING_INFERENCE_ACTIVE_SYMBOLS="[]",
        TRADING_MARKET_DEMO_SYMBOLS='["BTCUSD"]', TRADING_MARKET_TICKER_SYMBOLS='["BTCUSD"]',
        TRADING_MARKET_DEMO_DAYS="5", TRADING_MARKET_STREAM_INTERVAL_S="0.5",
        # one client address (the bench) signs up and in as every user
        TRADING_AUTH_REGISTER_IP_LIMIT="100000", TRADING_AUTH_LOGIN_IP_LIMIT="100000",
        TRADING_AUTH_LOGIN_ACCOUNT_GLOBAL_LIMIT="100000", TRADING_AUTH_LOGIN_ACCOUNT_LIMIT="100000",
        TRADING_PROXY_SECRET=uuid.uuid4().hex,
        PYTHONPATH=f"{ROOT}:{ROOT / 'gen' / 'python'}",
    )  # fmt: skip
    return env


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _start(args: list[str], env: dict[str, str], ready: str, log: Path) -> subprocess.Popen[str]:
    err = log.open("a")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", *args], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=err, start_new_session=True,
    )  # fmt: skip
    assert proc.stdout is not None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if ready in line:
            return proc
        if not line and proc.poll() is not None:
            break
    _stop([proc])
    tail = log.read_text()[-3000:] if log.exists() else ""
    raise RuntimeError(f"{args} did not start; the end of {log}:\n{tail}")


def _run(args: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("a") as err:
        subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, stderr=err, check=True)


def _stop(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def _ports(env: dict[str, str]) -> int:
    envoy = free_port()
    env.update(
        TRADING_ENVOY_PORT=str(envoy), TRADING_ENVOY_ADMIN_PORT=str(free_port()),
        TRADING_EDGE_PORT=str(free_port()), TRADING_GRPC_PORT=str(free_port()), TRADING_ENVOY_WORKERS="1",
    )  # fmt: skip
    return envoy


@contextlib.contextmanager
def all_in_one(workers: int, data_dir: Path) -> Iterator[Platform]:
    """`trading up` with `workers` processes; demo bars from its own first-start bootstrap."""
    with fresh_database() as url:
        namespace = f"b{uuid.uuid4().hex[:8]}"
        env = base_env(data_dir, url, namespace)
        env["TRADING_WORKERS"] = str(workers)
        envoy = _ports(env)
        proc = _start(
            ["up", "--envoy-base-id", str(envoy)], env, "Ctrl-C stops everything", data_dir / "up.log"
        )
        try:
            yield Platform(f"http://127.0.0.1:{envoy}", url, namespace, [proc.pid])
        finally:
            _stop([proc])


def _shared_keys(data_dir: Path) -> None:
    """The first signing key and the internal key, made once before the processes start: each
    would otherwise make its own on first use, and tokens signed by auth would not verify at
    Envoy, which reads the edge's JWKS."""
    from app.credentials import internal_api_key
    from core.clock import Clock
    from core.keys import KeyStore
    from core.settings import Settings

    settings = Settings(data_dir=data_dir)
    KeyStore(settings.keys_dir, settings.jwt_issuer, settings.jwt_audience, Clock()).active()
    internal_api_key(settings)


@contextlib.contextmanager
def split(replicas: int, data_dir: Path) -> Iterator[Platform]:
    """Every service `replicas` times, each its own process, then the edge and Envoy (one cluster
    per domain over its replicas)."""
    from app.registry import SERVICE_PACKAGES

    with fresh_database() as url:
        namespace = f"b{uuid.uuid4().hex[:8]}"
        env = base_env(data_dir, url, namespace)
        envoy = _ports(env)
        log = data_dir / "split.log"
        _run(["migrate"], env, log)
        _run(["bootstrap", "market"], env, log)
        _shared_keys(data_dir)
        domains = [*SERVICE_PACKAGES, "platform"]
        ports = {d: [free_port() for _ in range(replicas)] for d in domains}
        env["TRADING_SERVICE_ADDRESSES"] = json.dumps(
            {d: ",".join(f"127.0.0.1:{p}" for p in ports[d]) for d in domains}
        )
        procs: list[subprocess.Popen[str]] = []
        try:
            for domain in domains:
                for port in ports[domain]:
                    procs.append(_start(["serve", domain, "--port", str(port)], env, "serving on", log))
            procs.append(_start(["edge"], env, "edge serving", log))
            procs.append(_start(["gateway", "--base-id", str(envoy)], env, "gateway listening", log))
            yield Platform(f"http://127.0.0.1:{envoy}", url, namespace, [p.pid for p in procs])
        finally:
            _stop(procs)
