"""svc_market owns the one model of instruments and their trading hours; the sessions of the day
and how hours are evaluated live in one base library module, quant/trading_hours.py, that
svc_market serves them with. Every other module of the platform reads the model through market's
contract, evaluates it with quant/trading_hours.py and defines none of its own. This test reads
the source of every other production module and fails on a symbol list, a trading-hours or
session table, a clock time of day, or a function that decides hours or sessions."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("app", "core", "edge", "quant", "bench")  # and every svc_* package but svc_market
SESSION_NAMES = {"asia", "asian", "london", "new_york", "newyork", "tokyo", "sydney", "rollover", "off_hours"}
MODEL_NAME = re.compile(r"(^|_)(symbols?|instruments?|catalog(ue)?|hours|sessions?|rollover)($|_)", re.I)
DECIDER = re.compile(r"(is_(market_)?open|session_(of|at)|trading_day|end_of_trading_day|market_hours)", re.I)
SYMBOL = re.compile(r"^[A-Z]{6}$|^[A-Z]{2,5}USD$")
CLOCK_TIME = re.compile(r"^([01]\d|2[0-4]):[0-5]\d$")


def modules() -> list[Path]:
    packages = [p for p in ROOT.glob("svc_*") if p.is_dir() and p.name != "svc_market"]
    packages += [ROOT / name for name in PRODUCTION if (ROOT / name).is_dir()]
    return sorted(f for package in packages for f in package.rglob("*.py") if "migrations" not in f.parts)


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _is_container(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict)


def _has_items(node: ast.AST | None) -> bool:
    """An empty table defines nothing."""
    return bool(getattr(node, "elts", None) or getattr(node, "keys", None))


def _is_time_of_day(node: ast.AST) -> bool:
    """time(22, 0) and the like: a literal time of day."""
    if not isinstance(node, ast.Call) or getattr(node.func, "id", getattr(node.func, "attr", "")) != "time":
        return False
    return bool(node.args) and all(isinstance(a, ast.Constant) for a in node.args)


def findings(source: str) -> list[str]:
    """What in one module's source defines part of the market model."""
    tree = ast.parse(source)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and DECIDER.search(node.name):
            found.append(f"line {node.lineno}: function {node.name} decides hours or sessions")
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            names += [t.attr for t in targets if isinstance(t, ast.Attribute)]
            if (
                _is_container(node.value)
                and _has_items(node.value)
                and any(MODEL_NAME.search(n) for n in names)
            ):
                found.append(f"line {node.lineno}: {names[0]} is a literal symbol, hours or session table")
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            if len(keys & SESSION_NAMES) >= 2:
                found.append(f"line {node.lineno}: a table keyed by session names")
        if _is_container(node):
            symbols = [s for s in _strings(node) if SYMBOL.match(s)]
            if len(symbols) >= 3:
                found.append(f"line {node.lineno}: a list of symbols {symbols[:3]}...")
        if _is_time_of_day(node):
            found.append(f"line {node.lineno}: a time of day")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and CLOCK_TIME.match(node.value):
            found.append(f"line {node.lineno}: the clock time {node.value!r}")
    return found


# The one module outside svc_market that defines sessions and decides hours, for every service.
EVALUATES = "quant/trading_hours.py"


# Modules that name symbols for their own purpose (what a product trades, how two symbols move
# together) without holding any of the instrument model: only their symbol lists are allowed.
NAMES_SYMBOLS = {
    "svc_broker/investment/products.py": "each managed product's target symbols",
    "svc_broker/investment/risk.py": "the correlation table between symbols",
}


def _outside_own_purpose(module: str, found: list[str]) -> list[str]:
    if module not in NAMES_SYMBOLS:
        return found
    return [f for f in found if "a list of symbols" not in f and "is a literal symbol" not in f]


def test_no_module_outside_svc_market_defines_symbols_hours_or_sessions() -> None:
    offenders = {
        module: found
        for path in modules()
        if (found := _outside_own_purpose(module := str(path.relative_to(ROOT)), findings(path.read_text())))
    }
    assert set(offenders) == {EVALUATES}, offenders
    assert not any("a list of symbols" in f for f in offenders[EVALUATES]), (
        "the symbols are svc_market's alone"
    )


def test_the_check_finds_what_the_broker_once_defined() -> None:
    """The copies this replaced, in miniature: each is found."""
    assert findings('DEFAULT_SYMBOLS = (_fx("EURUSD"), _fx("GBPUSD"))')
    assert findings("def is_market_open(hours, when): ...")
    assert findings("def session_of(when): ...")
    assert findings("ROLLOVER = time(22, 0)")
    assert findings('factor = {"asia": 1.5, "london": 1, "new_york": 1}')
    assert findings('active = ["EURUSD", "GBPUSD", "USDJPY"]')
    assert findings('opens = "22:00"')
    assert not findings('symbol = "EURUSD"\nprint(symbol.upper())')
    assert not findings("symbols: tuple[str, ...] = ()")
