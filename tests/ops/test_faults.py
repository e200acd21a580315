"""Faults, each in its own process: Redis (a private server, not the shared one) restarted while
events are staged loses none of them; a `trading serve` process whose PostgreSQL connections are
cut recovers without a restart; both show in /health and /metrics."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.bus import RedisBus
from core.db import Database, make_base
from core.outbox import OutboxRelay, outbox_table, stage
from tests.app.test_platform_up import free_port

ROOT = Path(__file__).resolve().parents[2]
Base = make_base("ops_test_faults")
OUTBOX = outbox_table(Base.metadata)
WAIT_S = 90


class Row(Base):
    __tablename__ = "rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(50))


def _until(what: str, fn: Callable[[], Any]) -> Any:
    """fn() until truthy, failing after WAIT_S; never asserts a duration."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            found = fn()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"never: {what}")


async def _until_async(what: str, fn: Callable[[], Awaitable[Any]]) -> Any:
    """Polls fn() with a bound while Redis comes back; never asserts a duration."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            found = await fn()
        except (OSError, RedisConnectionError):
            found = None
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"never: {what}")


class PrivateRedis:
    """A redis-server child on a free port with an append-only file, restartable."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        _until("redis answers", lambda: _ping(self.port))

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(20)
            self.proc = None


def _ping(port: int) -> bool:
    out = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True)
    return out.stdout.strip() == "PONG"


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


async def _stage(db: Database, body: str) -> None:
    async with db.transaction() as s:
        s.add(Row(body=body))
        await stage(s, "ops-faults", body.encode(), table=OUTBOX, durable=True)


@pytest.mark.redis
async def test_no_outbox_event_is_lost_when_redis_restarts(
    private_redis: PrivateRedis, make_database: Callable[..., Awaitable[Database]]
) -> None:
    db = await make_database(Base.metadata)
    bus = RedisBus(private_redis.url)
    relay = OutboxRelay(db, bus, [OUTBOX])
    try:
        await bus.create_group("ops-faults", "g")
        await _stage(db, "before")
        assert await relay.drain() == 1
        private_redis.stop()
        await _stage(db, "while-down-1")
        await _stage(db, "while-down-2")
        with pytest.raises(Exception, match=r"(?i)connect"):
            await relay.drain()
        private_redis.start()
        await _until_async("the relay publishes again", relay.drain)
        got: list[bytes] = []
        async for delivery in bus.consume("ops-faults", "g", "c1", block_s=0.2):
            got.append(delivery.data)
            await delivery.ack()
            if len(got) == 3:
                break
        assert got == [b"before", b"while-down-1", b"while-down-2"]
    finally:
        await bus.close()


def _json(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.mark.postgres
def test_a_served_service_recovers_from_lost_database_connections(
    pg_database_url: str, redis_url: str, tmp_path: Path
) -> None:
    import psycopg

    metrics_port, grpc_port = free_port(), free_port()
    env = {
        **os.environ,
        "TRADING_DATA_DIR": str(tmp_path),
        "TRADING_DATABASE_URL": pg_database_url,
        "TRADING_REDIS_URL": redis_url,
        "TRADING_REDIS_NAMESPACE": f"faults{grpc_port}",
        "TRADING_METRICS_PORT": str(metrics_port),
    }
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "education", "--port", str(grpc_port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{metrics_port}"
    try:
        _, body = _until("/health answers ok", lambda: (r := _json(f"{base}/health"))[0] == 200 and r)
        assert body["dependencies"]["postgres"]["ok"] is True
        assert body["dependencies"]["redis"]["ok"] is True
        database = pg_database_url.rsplit("/", 1)[1]
        admin = pg_database_url.rsplit("/", 1)[0].replace("+asyncpg", "") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            cut = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).fetchone()
        assert cut is not None
        first = body["dependencies"]["postgres"]["checked_at"]

        def checked_again() -> Any:
            status, b = _json(f"{base}/health")
            check = b["dependencies"]["postgres"]
            return status == 200 and check["checked_at"] != first and check["ok"] and b

        assert checked_again() or _until("a later check passes", checked_again)
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as r:
            text = r.read().decode()
        assert 'dependency_up{dependency="postgres"} 1.0' in text
        assert proc.poll() is None
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
