"""A real Prometheus (the Debian package) scrapes `trading up` (the edge's /metrics and Envoy's
admin /stats/prometheus) with the documented alert rules loaded; the figures are read back
through its HTTP API."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.app.test_platform_up import _wait_for_banner, free_port

pytestmark = [pytest.mark.envoy, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
WAIT_S = 120


@dataclass
class Scraped:
    prometheus: str
    envoy: str


def _http_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as reply:
        return json.loads(reply.read())


def _query(prometheus: str, promql: str) -> list[dict[str, Any]]:
    body = _http_json(f"{prometheus}/api/v1/query?{urllib.parse.urlencode({'query': promql})}")
    assert body["status"] == "success", body
    return body["data"]["result"]


def _poll(what: str, fn: Any) -> Any:
    """fn() until it returns something truthy; fails after WAIT_S (never asserting a duration)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            found = fn()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"Prometheus never saw {what}")


def _config(edge_port: int, envoy_admin_port: int) -> str:
    return f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: ["{RULES}"]
scrape_configs:
  - job_name: trading
    static_configs: [{{targets: ["127.0.0.1:{edge_port}"]}}]
  - job_name: envoy
    metrics_path: /stats/prometheus
    static_configs: [{{targets: ["127.0.0.1:{envoy_admin_port}"]}}]
"""


@pytest.fixture(scope="module")
def scraped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scraped]:
    binary = shutil.which("prometheus")
    if binary is None:
        if os.environ.get("CI"):
            raise AssertionError("CI installs the Debian prometheus package (.ci/run)")
        pytest.skip("prometheus is not installed")
    data_dir = tmp_path_factory.mktemp("prom-platform")
    ports = {name: free_port() for name in ("GRPC", "EDGE", "ENVOY", "ENVOY_ADMIN", "PROMETHEUS")}
    env = {**os.environ, "TRADING_DATA_DIR": str(data_dir), "TRADING_LOG_JSON": "true"}
    env.update({f"TRADING_{name}_PORT": str(port) for name, port in ports.items() if name != "PROMETHEUS"})
    up_log = (data_dir / "up.log").open("w")
    platform = subprocess.Popen(
        [sys.executable, "-m", "app", "up", "--no-bootstrap", "--envoy-base-id", str(ports["ENVOY"] % 60000)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=up_log,
        text=True,
    )
    config = data_dir / "prometheus.yml"
    config.write_text(_config(ports["EDGE"], ports["ENVOY_ADMIN"]))
    prom_log = (data_dir / "prometheus.log").open("w")
    prometheus = None
    try:
        _wait_for_banner(platform, data_dir)
        prometheus = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={data_dir / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{ports['PROMETHEUS']}",
            ],
            stdout=prom_log,
            stderr=subprocess.STDOUT,
        )
        yield Scraped(f"http://127.0.0.1:{ports['PROMETHEUS']}", f"http://127.0.0.1:{ports['ENVOY']}")
    finally:
        for proc in (prometheus, platform):
            if proc is None:
                continue
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        up_log.close()
        prom_log.close()


def test_prometheus_scrapes_the_platform_and_envoy(scraped: Scraped) -> None:
    targets = _poll(
        "both targets up",
        lambda: {r["metric"]["job"] for r in _query(scraped.prometheus, "up == 1")} >= {"trading", "envoy"},
    )
    assert targets
    _poll("Envoy's own statistics", lambda: _query(scraped.prometheus, "envoy_server_live"))


def test_an_rpc_through_envoy_shows_up_as_a_latency_histogram(scraped: Scraped) -> None:
    method = "/trading.platform.v1.PlatformService/GetServerInfo"
    with urllib.request.urlopen(f"{scraped.envoy}/platform/info", timeout=10) as reply:
        assert reply.status == 200
    series = _poll(
        "the RPC's histogram",
        lambda: _query(
            scraped.prometheus, f'grpc_server_handling_seconds_count{{method="{method}",code="OK"}}'
        ),
    )
    assert float(series[0]["value"][1]) >= 1


def test_the_health_checks_and_database_time_are_scraped(scraped: Scraped) -> None:
    up = _poll(
        "the database health check", lambda: _query(scraped.prometheus, 'dependency_up{dependency="sqlite"}')
    )
    assert up[0]["value"][1] == "1"
    statements = _poll(
        "database statement times",
        lambda: _query(scraped.prometheus, 'db_query_seconds_count{operation="select"}'),
    )
    assert float(statements[0]["value"][1]) >= 1


def test_the_seed_alert_rules_are_loaded(scraped: Scraped) -> None:
    groups = _poll(
        "the rule groups", lambda: _http_json(f"{scraped.prometheus}/api/v1/rules")["data"]["groups"]
    )
    alerts = {rule["name"] for group in groups for rule in group["rules"] if rule["type"] == "alerting"}
    assert {
        "ApiLatencyP95High",
        "MlPredictionSlow",
        "WebSocketLagHigh",
        "StripeWebhookDelayHigh",
        "DatabaseQuerySlow",
    } <= alerts
