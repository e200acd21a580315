"""The `trading` command's own subcommands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import PG_ADMIN_URL, require_service

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_database_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A data directory and a database no command has touched yet (SQLite there, or a new PostgreSQL one)."""
    env = {"TRADING_DATA_DIR": str(tmp_path / "data")}
    if request.param == "sqlite":
        yield env
        return
    require_service("PostgreSQL", "127.0.0.1", 5432)
    import psycopg

    name = f"trading_cli_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield {**env, "TRADING_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"}
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _bar_file(tmp_path: Path, n: int = 1500) -> Path:
    from tests.simulated_bars import simulate_bars

    path = tmp_path / "bars.csv"
    simulate_bars(n, seed=5).to_csv(path, index=False)
    return path


SMALL_MODEL = ("--n-estimators", "15", "--max-depth", "3")


def test_train_on_a_fresh_data_dir_migrates_and_registers(tmp_path: Path, fresh_database_env) -> None:
    out = run(
        "train", "--symbol", "EURUSD", "--file", str(_bar_file(tmp_path)), *SMALL_MODEL,
        env=fresh_database_env, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    result = json.loads(out.stdout)
    assert result["model"].lower() == "eurusd_5m_h18"
    assert result["version"] == 1
    assert result["onnx_parity_max_abs_diff"] < 1e-4


def _broken(frame: pd.DataFrame, how: str) -> pd.DataFrame:
    frame = frame.copy()
    if how == "missing":
        return frame.drop(columns=["low"])
    if how == "unsorted":
        frame = frame.iloc[[*range(10), 11, 10, *range(12, len(frame))]].reset_index(drop=True)
    elif how == "duplicate":
        frame.loc[12, "ts"] = frame.loc[11, "ts"]
    elif how == "inverted":
        high, low = frame.at[13, "high"], frame.at[13, "low"]
        frame.at[13, "high"], frame.at[13, "low"] = low, high
    elif how == "not_a_number":
        frame["close"] = frame["close"].astype(object)
        frame.loc[14, "close"] = "n/a"
    return frame


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("missing", "missing column(s) low"),
        ("unsorted", "row 12: timestamps not sorted"),
        ("duplicate", "row 13: duplicate timestamp"),
        ("inverted", "row 14: high"),
        ("not_a_number", "row 15: close is empty or not a number"),
    ],
)
@pytest.mark.parametrize("command", ["train", "backtest"])
def test_bad_bar_files_are_refused_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str,
    how: str, says: str,
) -> None:  # fmt: skip
    from app.cli import main
    from tests.simulated_bars import simulate_bars

    monkeypatch.setenv("TRADING_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "bad.csv"
    _broken(simulate_bars(60, seed=5), how).to_csv(path, index=False)
    assert main([command, "--symbol", "EURUSD", "--file", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"trading {command}: {path}: {says}" in err
    assert not (tmp_path / "data" / "db").exists()  # refused before anything was created


def test_backtest_writes_its_report_and_refuses_too_few_bars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    monkeypatch.setenv("TRADING_DATA_DIR", str(tmp_path / "data"))
    path = _bar_file(tmp_path, 1600)
    args = ["backtest", "--symbol", "EURUSD", "--file", str(path), *SMALL_MODEL, "--out", str(tmp_path / "r")]
    assert main([*args, "--train-bars", "1200", "--folds", "2", "--slippage", "0.00001"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["folds"] == 2
    assert set(result["summary"]) == {"strategy", "always_long", "always_short", "random"}
    frame = pd.read_csv(result["trades_csv"])
    asian = frame[pd.to_datetime(frame["entry_time"]).dt.hour.between(0, 6)
                  & pd.to_datetime(frame["exit_time"]).dt.hour.between(0, 6)]  # fmt: skip
    assert asian["spread_cost"].round(10).eq(0.00012).all()  # EURUSD's Asian spread, 1.2 pips
    assert (frame["slippage_cost"] == 0.00002).all()
    assert Path(result["html"]).exists()
    assert main([*args, "--train-bars", "1590"]) == 2
    assert "no test window" in capsys.readouterr().err
    assert main([*args, "--strategy", "yolo"]) == 2
    assert "unknown strategy 'yolo'" in capsys.readouterr().err
