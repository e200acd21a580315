"""`make bench` / `python -m bench [name ...]`: run the benchmarks, each printing its figures.

Each bench/bench_<name>.py has a `main()` (sync or async); pass names to run only those.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pathlib
import sys


def available() -> list[str]:
    here = pathlib.Path(__file__).parent
    return sorted(p.stem.removeprefix("bench_") for p in here.glob("bench_*.py"))


def run(name: str) -> None:
    module = importlib.import_module(f"bench.bench_{name}")
    print(f"\n=== bench {name} ===", flush=True)
    result = module.main()
    if inspect.isawaitable(result):
        asyncio.run(result)


if __name__ == "__main__":
    names = sys.argv[1:] or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        sys.exit(f"unknown benchmarks {unknown}; available: {available()}")
    for n in names:
        run(n)
