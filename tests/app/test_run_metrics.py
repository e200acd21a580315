"""The metrics of several processes of one run, merged (app/run_metrics.py, core/metrics.py):
two real processes record into the run's directory, and one exposition reports them together."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.run_metrics import shared_metrics, worker_gone
from core import metrics
from core.metrics import MULTIPROC_DIR_ENV

ROOT = Path(__file__).resolve().parents[2]
METHOD = "/trading.platform.v1.PlatformService/GetServerInfo"
# One worker's figures: `calls` RPCs served, its Redis check passing or not, a breaker's state.
RECORD = """
import os, sys
from core import metrics
calls, redis_up, breaker = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for _ in range(calls):
    metrics.RPC_LATENCY.labels({method!r}, "OK").observe(0.003)
metrics.HEALTH_UP.labels("redis").set(redis_up)
metrics.BREAKER_OPEN.labels("polygon").set(breaker)
print(os.getpid())
"""


def record(directory: Path, calls: int, redis_up: int, breaker: int) -> int:
    """Runs one process that records into `directory`; its pid."""
    done = subprocess.run(
        [sys.executable, "-c", RECORD.format(method=METHOD), str(calls), str(redis_up), str(breaker)],
        cwd=ROOT,
        env={**os.environ, MULTIPROC_DIR_ENV: str(directory)},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def scraped(directory: Path) -> dict[str, float]:
    """What one exposition reports, inside `shared_metrics` (which names `directory`)."""
    assert os.environ[MULTIPROC_DIR_ENV] == str(directory)
    body, _ = metrics.exposition()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }
    return {
        "calls": samples[("grpc_server_handling_seconds_count", (("code", "OK"), ("method", METHOD)))],
        "redis_up": samples.get(("dependency_up", (("dependency", "redis"),)), -1),
        "breaker": samples.get(("circuit_breaker_state", (("name", "polygon"),)), -1),
    }


def test_one_exposition_sums_every_process_and_keeps_a_dead_ones_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MULTIPROC_DIR_ENV, raising=False)
    with shared_metrics(tmp_path, "run1") as directory:
        record(directory, calls=3, redis_up=1, breaker=0)
        failing = record(directory, calls=4, redis_up=0, breaker=2)
        # the worst live state: Redis down for one worker, its breaker open
        assert scraped(directory) == {"calls": 7, "redis_up": 0, "breaker": 2}
        worker_gone(directory, failing)
        # its RPCs still count; its gauges no longer speak for the run
        assert scraped(directory) == {"calls": 7, "redis_up": 1, "breaker": 0}
        record(directory, calls=2, redis_up=1, breaker=0)  # the worker started in its place
        assert scraped(directory) == {"calls": 9, "redis_up": 1, "breaker": 0}
    assert MULTIPROC_DIR_ENV not in os.environ  # processes the suite starts later must not inherit it


def test_a_run_gets_a_fresh_directory_named_for_its_workers_and_removed_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MULTIPROC_DIR_ENV, raising=False)
    with shared_metrics(tmp_path, "run1") as directory:
        assert os.environ[MULTIPROC_DIR_ENV] == str(directory)
        assert list(directory.iterdir()) == []
        with pytest.raises(FileExistsError), shared_metrics(tmp_path, "run1"):
            pass  # never summed with another run's files
    assert MULTIPROC_DIR_ENV not in os.environ
    assert not directory.exists()


def test_one_process_without_the_directory_serves_its_own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROC_DIR_ENV, raising=False)
    metrics.RPC_LATENCY.labels(METHOD, "OK").observe(0.001)
    before = metrics.REGISTRY.get_sample_value(
        "grpc_server_handling_seconds_count", {"method": METHOD, "code": "OK"}
    )
    body, _ = metrics.exposition()
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    [count] = [
        s.value
        for s in families["grpc_server_handling_seconds"].samples
        if s.name.endswith("_count") and s.labels == {"method": METHOD, "code": "OK"}
    ]
    assert count == before
    assert "process_cpu_seconds" in families  # the default registry's own collectors
