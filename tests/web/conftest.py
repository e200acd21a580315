"""The real all-in-one platform (`trading up`, with Envoy) on PostgreSQL and Redis, started once for
the browser tests: demo bars seeded by the first-start bootstrap, no model training (the tests
publish the signals they need on the Redis bus)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TRADING_TEST_CHROMIUM", "/usr/bin/chromium")


def require(what: str, present: bool, hint: str) -> None:
    if present:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true: {hint}")
    pytest.skip(f"{what} missing: {hint}")


@dataclass
class Platform:
    gateway: str
    redis_url: str
    namespace: str
    data_dir: Path
    token: str  # a registered user's access token
    admin_token: str  # an administrator's access token (KYC reviews)


def _post_json(url: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers)
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())


def _get_json(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())


def wait_for_banner(proc: subprocess.Popen, log: Path, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "The trading platform is up." in line:
            return
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"trading up did not come up:\n{log.read_text()[-4000:]}")


def wait_for_candles(gateway: str, timeout_s: float = 180) -> str:
    """A user's token once EURUSD has bars (the bootstrap seeds them after the banner)."""
    email = f"probe-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": "probe-password-1", "first_name": "Probe", "last_name": "User"}
    token = _post_json(f"{gateway}/auth/register", body)["tokens"]["access_token"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            candles = _get_json(f"{gateway}/trading/candles/EURUSD?tf=5m&limit=1", token).get("candles")
        except urllib.error.HTTPError:
            candles = None
        if candles:
            return token
        time.sleep(0.5)  # polling a child process's progress, bounded by the deadline
    raise AssertionError("no EURUSD candles after the bootstrap")


def make_admin(gateway: str, database_url: str) -> str:
    """An administrator's access token. The platform creates no administrator of its own: an operator
    grants the role in the auth schema, then the account signs in again for a token carrying it."""
    import psycopg

    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": "admin-password-1", "first_name": "Ada", "last_name": "Admin"}
    _post_json(f"{gateway}/auth/register", body)
    with psycopg.connect(database_url.replace("+asyncpg", ""), autocommit=True) as conn:
        conn.execute("UPDATE auth.users SET roles = 'user,admin' WHERE email = %s", (email,))
    signed_in = _post_json(f"{gateway}/auth/login", {"email": email, "password": body["password"]})
    return signed_in["tokens"]["access_token"]


@pytest.fixture(scope="session")
def web_platform(
    own_pg_database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    pg_database_url = own_pg_database_url
    require("web/dist", (ROOT / "web/dist/index.html").is_file(), "run `make web`")
    data_dir = tmp_path_factory.mktemp("web-platform")
    ports = {name: free_port() for name in ("GRPC", "EDGE", "ENVOY", "ENVOY_ADMIN")}
    namespace = f"web{ports['GRPC']}"
    env = {
        **os.environ,
        "TRADING_DATA_DIR": str(data_dir),
        "TRADING_LOG_JSON": "true",
        "TRADING_DATABASE_URL": pg_database_url,
        "TRADING_REDIS_URL": redis_url,
        "TRADING_REDIS_NAMESPACE": namespace,
        "TRADING_PUBLIC_URL": f"http://127.0.0.1:{ports['ENVOY']}",  # where checkout sends the customer back
        "TRADING_INFERENCE_ACTIVE_SYMBOLS": "[]",  # no training: seconds, not minutes
        "TRADING_WORKERS": "1",  # one server process: tests/app/test_workers.py covers several
        "TRADING_MARKET_DEMO_SYMBOLS": '["EURUSD", "GBPUSD"]',
        "TRADING_MARKET_TICKER_SYMBOLS": '["EURUSD", "GBPUSD"]',
        "TRADING_MARKET_DEMO_DAYS": "20",  # 5,760 five-minute bars: the chart asks for 5,000
        **{f"TRADING_{name}_PORT": str(port) for name, port in ports.items()},
    }
    log = data_dir / "up.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "up", "--envoy-base-id", str(ports["ENVOY"] % 60000)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        try:
            wait_for_banner(proc, log)
            gateway = f"http://127.0.0.1:{ports['ENVOY']}"
            token = wait_for_candles(gateway)
            admin = make_admin(gateway, pg_database_url)
            yield Platform(gateway, redis_url, namespace, data_dir, token, admin)
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def node() -> str:
    found = shutil.which("node")
    require("node", found is not None, "install Node.js 20")
    assert found is not None
    return found


@pytest.fixture(scope="session")
def chromium() -> str:
    require("Chromium", Path(CHROMIUM).exists(), "apt-get install -y chromium")
    return CHROMIUM
