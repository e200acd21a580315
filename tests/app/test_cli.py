"""The `trading` command's own subcommands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_config_prints_every_section_with_secrets_masked() -> None:
    out = run(
        "config", env={"TRADING_INTERNAL_API_KEY": "tk_very_secret", "TRADING_MARKET_POLYGON_API_KEY": "pk_x"}
    )
    assert out.returncode == 0, out.stderr
    assert "tk_very_secret" not in out.stdout
    assert "pk_x" not in out.stdout
    sections = json.loads(out.stdout)
    assert sections["platform (TRADING_*)"]["internal_api_key"] == "********"
    assert any(name.startswith("svc_market") for name in sections)


def test_migrate_then_migrate_down_on_a_fresh_data_dir(tmp_path: Path) -> None:
    env = {"TRADING_DATA_DIR": str(tmp_path)}
    up = run("migrate", env=env)
    assert up.returncode == 0, up.stderr
    assert {p.name for p in (tmp_path / "db").glob("*.sqlite")} >= {
        "auth.sqlite",
        "market_data.sqlite",
        "trading.sqlite",
    }
    down = run("migrate", "--down", env=env)
    assert down.returncode == 0, down.stderr


def test_unknown_service_is_refused_with_the_known_ones() -> None:
    out = run("serve", "nope")
    assert out.returncode != 0
    assert "auth" in out.stderr
