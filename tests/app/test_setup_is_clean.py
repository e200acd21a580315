"""`make setup` leaves a fresh clone clean: npm installs exactly the committed lock file (`npm ci`),
and the lock lists every optional platform package, so nothing needs adding to it on any machine."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_setup_installs_npm_packages_from_the_lock_without_rewriting_it() -> None:
    makefile = (ROOT / "Makefile").read_text()
    lines = re.findall(r"^\tnpm (.*)$", makefile, flags=re.MULTILINE)
    subcommands = [re.sub(r"^--prefix \S+ ", "", line).split()[0] for line in lines]
    assert set(subcommands) <= {"ci", "run"}, lines  # never `npm install`, which rewrites the lock
    assert subcommands.count("ci") == 2  # the contract tools and the web app


def test_the_lock_lists_every_optional_platform_package() -> None:
    packages = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    for name, entry in packages.items():
        for optional in entry.get("optionalDependencies", {}):
            assert f"node_modules/{optional}" in packages, f"{name} needs {optional} in the lock"
