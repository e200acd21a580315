"""Services read time from the injected clock (core/clock.py), so tests drive it: no service
module reads the wall clock or sleeps on its own, except the few listed below."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "monotonic"),
    ("time", "monotonic_ns"),
    ("time", "perf_counter"),
    ("time", "sleep"),
    ("asyncio", "sleep"),
}

# Where a real pause or timer is the point; each entry is (module, call).
ALLOWED = {
    # the pace of background loops and of retries against outside systems: real seconds apart,
    # whatever the clock says
    ("svc_billing/adapters/stripe/sdk.py", "asyncio.sleep"),  # backoff between Stripe retries
    ("svc_broker/market_feed.py", "asyncio.sleep"),  # how often the instruments are read again
    ("svc_broker/venues/paper/monitor.py", "asyncio.sleep"),  # the stop/limit sweep's pace
    ("svc_market/stream.py", "asyncio.sleep"),  # reconnecting to the provider's stream
    # the champion sync loop: assembled code of another change, which moves it to ctx.clock
    ("svc_inference/wiring.py", "asyncio.sleep"),
}


def clock_reads(source: str) -> list[tuple[int, str]]:
    """Each call that reads the wall clock or sleeps for real (`asyncio.sleep(0)`, a yield to
    the event loop, is neither), as (line, 'module.function')."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
        if (name, node.func.attr) not in READS:
            continue
        if node.func.attr == "sleep" and [ast.unparse(a) for a in node.args] == ["0"]:
            continue
        found.append((node.lineno, f"{name}.{node.func.attr}"))
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in {"time", "asyncio"}:
            found += [
                (node.lineno, f"{node.module}.{a.name}") for a in node.names if (node.module, a.name) in READS
            ]
    return sorted(found)


def test_no_service_module_reads_the_wall_clock() -> None:
    found = {
        (module, call): line
        for path in sorted(ROOT.glob("svc_*/**/*.py"))
        for line, call in clock_reads(path.read_text())
        if (module := str(path.relative_to(ROOT)), call) not in ALLOWED
    }
    assert found == {}


def test_the_allowed_reads_are_still_there() -> None:
    present = {
        (str(path.relative_to(ROOT)), call)
        for path in sorted(ROOT.glob("svc_*/**/*.py"))
        for _, call in clock_reads(path.read_text())
    }
    assert present >= ALLOWED, f"gone, drop from ALLOWED: {ALLOWED - present}"


def test_the_check_finds_each_way_of_reading_the_clock() -> None:
    source = """
import time, asyncio, datetime as dt
from datetime import datetime, date
from time import monotonic

async def f():
    a = datetime.now(UTC)
    b = dt.datetime.utcnow()
    c = date.today()
    d = time.time() + time.monotonic() + time.perf_counter()
    await asyncio.sleep(5)
    await asyncio.sleep(0)
    x = clock.now()
    y = when.time()
"""
    assert [call for _, call in clock_reads(source)] == [
        "time.monotonic",  # the import
        "datetime.now",
        "datetime.utcnow",
        "date.today",
        "time.monotonic",
        "time.perf_counter",
        "time.time",
        "asyncio.sleep",
    ]
