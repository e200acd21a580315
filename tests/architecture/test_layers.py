"""The layers of docs/architecture.md hold: see tests/architecture/layers.py for the rules."""

from __future__ import annotations

from pathlib import Path

from tests.architecture.layers import cycles, layer_violations

ROOT = Path(__file__).resolve().parents[2]

# Circles known and being removed, each named by the change that removes it (none today).
ALLOWED_CYCLES: set[frozenset[str]] = set()


def test_no_import_crosses_the_layers_the_wrong_way() -> None:
    assert layer_violations(ROOT) == []


def test_no_modules_of_a_package_import_each_other_in_a_circle() -> None:
    found = set(cycles(ROOT))
    assert [sorted(c) for c in found - ALLOWED_CYCLES] == []
    assert found >= ALLOWED_CYCLES, f"no longer a circle, drop it: {ALLOWED_CYCLES - found}"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return root


CLEAN = {
    "core/__init__.py": "",
    "core/clock.py": "import datetime\n",
    "quant/__init__.py": "from core import clock\n",
    "gen/python/trading/__init__.py": "",
    "gen/python/trading/pb2.py": "from google.protobuf import descriptor\n",
    "svc_a/__init__.py": "from core.clock import Clock\nfrom trading import pb2\nfrom . import domain\n",
    "svc_a/domain.py": "from quant import x\nfrom svc_a.store import Store\n",
    "svc_a/store.py": "import sqlalchemy\n",
    "svc_b/__init__.py": "",
    "app/__init__.py": "import svc_a\nimport svc_b\n",
    "edge/__init__.py": "from svc_b import thing\n",
    "bench/__init__.py": "from tests.helpers import bars\nimport svc_a\n",
    "tests/__init__.py": "",
    "tests/helpers.py": "import app\nimport svc_b\n",
}


def test_a_tree_that_keeps_the_layers_passes(tmp_path: Path) -> None:
    root = _tree(tmp_path, CLEAN)
    assert layer_violations(root) == []
    assert cycles(root) == []


def test_each_wrong_way_import_is_caught_with_its_rule(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        CLEAN
        | {
            "core/clock.py": "def now():\n    from svc_a import domain\n",  # function-local
            "quant/__init__.py": "from app import cli\n",
            "gen/python/trading/pb2.py": "import edge\n",
            "svc_a/store.py": "from svc_b.store import Other\n",
            "svc_b/__init__.py": "from app.cli import serve\n",
            "svc_b/views.py": "from .fixtures import make\n",  # relative, inside the package
            "svc_b/fixtures.py": "from tests.helpers import make\n",
            "app/__init__.py": "import tests.helpers\n",
        },
    )
    assert [v.split(": ", 1)[1] for v in layer_violations(root)] == [
        "app imports tests.helpers (a production package imports tests)",
        "core.clock imports svc_a.domain (a base library imports a layer above it)",
        "trading.pb2 imports edge (a base library imports a layer above it)",
        "quant imports app.cli (a base library imports a layer above it)",
        "svc_a.store imports svc_b.store.Other (a service imports another service)",
        "svc_b imports app.cli.serve (a service imports a layer above it)",
        "svc_b.fixtures imports tests.helpers.make (a production package imports tests)",
    ]


def test_a_circle_is_caught_however_long_and_however_hidden(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        CLEAN
        | {
            "svc_a/domain.py": "from svc_a.store import Store\n",
            "svc_a/store.py": "from svc_a import rules\n",
            "svc_a/rules.py": "def check():\n    from .domain import thing\n",  # relative, local
            "core/a.py": "import core.b\n",
            "core/b.py": "from core.a import x\n",
        },
    )
    assert cycles(root) == [
        frozenset({"core.a", "core.b"}),
        frozenset({"svc_a.domain", "svc_a.rules", "svc_a.store"}),
    ]
