"""The platform's layers, read from every module's imports with `ast` (function-local imports and
`if TYPE_CHECKING:` imports included: a dependency is a dependency wherever it is written).

- Base libraries: `core`, `quant` and the generated contracts (`trading`, in gen/python). They
  import no service, no `app`, no `edge`.
- Services: each `svc_*` imports base libraries and itself only: never another service, never
  `app` or `edge` above it.
- Top layers: `app` (the composition root), `edge`, `bench` and `tools` may import anything.
- No production package imports `tests`, and no two modules of one package import each other,
  directly or through others.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BASE = frozenset({"core", "quant", "trading"})
TOP = frozenset({"app", "edge", "bench", "tools"})
GENERATED = Path("gen/python")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # the imported module (or module.name), dotted
    path: Path
    line: int


def packages(root: Path) -> dict[str, Path]:
    """Every first-party top-level package by import name: the folders at the root with an
    __init__.py (svc_*, core, quant, app, edge, bench, tests), tools, and gen/python's packages."""
    found = {p.name: p for p in root.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    if (root / "tools").is_dir():
        found["tools"] = root / "tools"
    generated = root / GENERATED
    if generated.is_dir():
        found |= {p.name: p for p in generated.iterdir() if p.is_dir() and p.name != "buf"}
    return found


def is_service(name: str) -> bool:
    return name.startswith("svc_")


def production(name: str) -> bool:
    return name in BASE or is_service(name) or name in {"app", "edge"}


def modules(package: str, folder: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(folder.rglob("*.py")):
        parts = list(path.relative_to(folder).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join([package, *parts]), path


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(module: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, path, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, path.name == "__init__.py", node)
            for alias in node.names:
                target = source if alias.name == "*" else f"{source}.{alias.name}"
                yield Import(module, target, path, node.lineno)


def all_imports(root: Path) -> list[Import]:
    return [
        found
        for package, folder in packages(root).items()
        for module, path in modules(package, folder)
        for found in imports_of(module, path)
    ]


def _layer_error(importer: str, imported: str) -> str | None:
    if imported == "tests":
        return "a production package imports tests" if production(importer) else None
    if importer == imported or importer in TOP or importer == "tests":
        return None
    if importer in BASE and (is_service(imported) or imported in TOP):
        return "a base library imports a layer above it"
    if is_service(importer):
        if is_service(imported):
            return "a service imports another service"
        if imported in TOP:
            return "a service imports a layer above it"
    return None


def layer_violations(root: Path) -> list[str]:
    """Every import that crosses the layers the wrong way, as 'file:line: ... (rule)'."""
    first_party = set(packages(root))
    found = []
    for imp in all_imports(root):
        importer, imported = imp.module.split(".")[0], imp.target.split(".")[0]
        if imported not in first_party:
            continue
        error = _layer_error(importer, imported)
        if error:
            where = f"{imp.path.relative_to(root)}:{imp.line}"
            found.append(f"{where}: {imp.module} imports {imp.target} ({error})")
    return sorted(found)


def _module_graph(root: Path) -> dict[str, set[str]]:
    """Each module's imports of other modules of its own package (an `import a.b.c` counts as an
    edge to a.b.c only: a parent package's __init__ running first is not a dependency)."""
    known = {module for package, folder in packages(root).items() for module, _ in modules(package, folder)}
    graph: dict[str, set[str]] = {module: set() for module in known}
    for imp in all_imports(root):
        target = imp.target if imp.target in known else imp.target.rpartition(".")[0]
        same_package = target.split(".")[0] == imp.module.split(".")[0]
        if target in known and same_package and target != imp.module:
            graph[imp.module].add(target)
    return graph


def cycles(root: Path) -> list[frozenset[str]]:
    """The modules that import each other in a circle, one set per circle (Tarjan's strongly
    connected components of more than one module)."""
    graph = _module_graph(root)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(start: str) -> None:
        # iterative depth-first search: deep import chains would exceed the recursion limit
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found, key=sorted)
