"""Each `python -m svc_<name>` serves its own service, not another's, through the composition root."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from app.registry import SERVICE_PACKAGES

ROOT = Path(__file__).resolve().parents[2]


def test_every_service_package_can_run_alone() -> None:
    assert sorted(p.parent.name for p in ROOT.glob("svc_*/__main__.py")) == sorted(SERVICE_PACKAGES.values())


@pytest.mark.parametrize("package", sorted(SERVICE_PACKAGES.values()))
def test_a_service_package_run_alone_serves_its_own_spec(package: str) -> None:
    tree = ast.parse((ROOT / package / "__main__.py").read_text())
    spec_from = [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and "SERVICE" in {a.name for a in node.names}
    ]
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "serve_alone"
    ]
    assert spec_from == [package]
    assert [ast.unparse(call.args[0]) for call in calls] == ["SERVICE"]


def test_python_dash_m_reaches_the_serve_command_for_that_service() -> None:
    """The entry point leads to `trading serve market`: its help names the service's port option."""
    done = subprocess.run(
        [sys.executable, "-m", "svc_market", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: trading serve")
    assert "--port" in done.stdout
