"""`python -m svc_<name>`: one service run alone, the same as `trading serve <name>`.

A service package holds its spec, not the process around it (settings, database, server, how
callers are authenticated): that is the composition root's, a layer above every service. The root
installs its runner under the `trading.serve` entry point (pyproject.toml), so this base module
starts it without importing it and no service imports upwards.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points

from core.service import ServiceSpec

GROUP = "trading.serve"


def runner() -> Callable[[str, list[str]], int]:
    """The installed composition root's `serve <name> [arguments]`."""
    found = list(entry_points(group=GROUP))
    if len(found) != 1:
        raise SystemExit(f"expected one {GROUP!r} entry point, found {len(found)}: run `make setup`")
    serve: Callable[[str, list[str]], int] = found[0].load()
    return serve


def serve_alone(spec: ServiceSpec, argv: Sequence[str] | None = None) -> int:
    """Serve `spec` alone with the command line's arguments (`--port`, `--help`)."""
    return runner()(spec.name, list(sys.argv[1:] if argv is None else argv))
