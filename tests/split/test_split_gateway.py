"""The split run's door, as an operator starts it: two replicas of a domain (`trading serve`), the
edge (`trading edge`) and Envoy (`trading gateway`), each its own process. Envoy spreads over the
replicas and, when one dies, keeps answering from the other; reflection answers on a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.envoy import trading_services
from tests.split.processes import ROOT, Proc, base_env, free_port, wait_until

pytestmark = [pytest.mark.envoy, pytest.mark.slow]
DESCRIPTOR = ROOT / "gen" / "descriptor.binpb"


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, {}
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, {}


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Two platform replicas standing in for every domain, the edge and the gateway (started once:
    the test that kills a replica runs last)."""
    tmp_path = tmp_path_factory.mktemp("split")
    ports = [free_port(), free_port()]
    replicas = ",".join(f"127.0.0.1:{p}" for p in ports)
    domains = sorted({s.split(".")[1] for s in trading_services(DESCRIPTOR)})
    envoy_port, admin_port, edge_port = free_port(), free_port(), free_port()
    env = base_env(
        tmp_path,
        TRADING_SERVICE_ADDRESSES=json.dumps(dict.fromkeys(domains, replicas)),
        TRADING_ENVOY_PORT=str(envoy_port),
        TRADING_ENVOY_ADMIN_PORT=str(admin_port),
        TRADING_EDGE_PORT=str(edge_port),
        TRADING_ENVOY_WORKERS="1",
        TRADING_PROXY_SECRET="split-secret",
    )
    procs: list[Proc] = []
    try:
        for i, port in enumerate(ports):
            procs.append(Proc(f"platform-{i}", ["serve", "platform", "--port", str(port)], env, "serving on"))
        procs.append(Proc("edge", ["edge"], env, "edge serving"))
        for proc in procs:
            proc.wait_ready()
        gateway = Proc("gateway", ["gateway", "--base-id", str(free_port())], env, "gateway listening")
        procs.append(gateway)
        gateway.wait_ready()
        yield {"procs": procs, "ports": ports, "url": f"http://127.0.0.1:{envoy_port}"}
    finally:
        for proc in reversed(procs):
            proc.stop()


def test_reflection_answers_on_a_fresh_process(split: dict) -> None:
    grpcurl = Path(sys.executable).parent / "grpcurl"
    if not grpcurl.exists():
        pytest.skip("grpcurl is not installed")
    done = subprocess.run(
        [str(grpcurl), "-plaintext", f"127.0.0.1:{split['ports'][1]}", "describe",
         "trading.platform.v1.PlatformService"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "GetServerInfo" in done.stdout


def test_the_gateway_keeps_answering_when_a_replica_dies(split: dict) -> None:
    url = split["url"] + "/platform/info"
    status, body = get(url)
    assert status == 200, split["procs"][-1].lines[-20:]
    assert body["run_mode"] == "split"
    split["procs"][0].kill()
    # the health check (or outlier detection) takes the dead replica out; then every call answers
    streak = {"n": 0}

    def twenty_in_a_row() -> bool:
        streak["n"] = streak["n"] + 1 if get(url)[0] == 200 else 0
        return streak["n"] >= 20

    wait_until(twenty_in_a_row, "twenty answers in a row from the surviving replica")
    assert all(get(url)[0] == 200 for _ in range(20))
