"""`trading bootstrap`: first-start data, safe to run again (on the embedded SQLite; the split run's
PostgreSQL is the same command with TRADING_DATABASE_URL)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.split.processes import ROOT, base_env

pytestmark = pytest.mark.slow


def bootstrap(env: dict[str, str], *services: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "bootstrap", *services],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def count_courses(data_dir: Path) -> int:
    engine = create_engine(f"sqlite:///{data_dir / 'db' / 'education.sqlite'}")
    with engine.connect() as conn:
        n = int(conn.execute(text("SELECT count(*) FROM courses")).scalar_one())
    engine.dispose()
    return n


def test_bootstrap_seeds_once_however_often_it_runs(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    first = bootstrap(env, "education")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "bootstrap done" in first.stdout
    seeded = count_courses(tmp_path)
    assert seeded > 0
    again = bootstrap(env, "education")
    assert again.returncode == 0, again.stderr
    assert count_courses(tmp_path) == seeded


def test_an_unknown_service_is_refused(tmp_path: Path) -> None:
    done = bootstrap(base_env(tmp_path), "nope-" + uuid.uuid4().hex[:4])
    assert done.returncode == 2
    assert "unknown service" in done.stdout
