"""Each `python -m svc_<name>` serves its own service, not another's."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAINS = sorted(ROOT.glob("svc_*/__main__.py"))


@pytest.mark.parametrize("path", MAINS, ids=[p.parent.name for p in MAINS])
def test_a_service_package_run_alone_serves_itself(path: Path) -> None:
    calls = [
        node
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "serve_alone"
    ]
    assert [ast.literal_eval(call.args[0]) for call in calls] == [path.parent.name.removeprefix("svc_")]
