"""Platform processes started as an operator starts them (`python -m app ...`), for split-run tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.ports import free_port as free_port  # the split-run harness hands its ports out

ROOT = Path(__file__).resolve().parents[2]
START_BOUND_S = 120.0  # a generous bound for a loaded machine; never asserted as a duration


class Proc:
    """One `trading ...` process; its output is kept (and shown when a test fails)."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], ready_text: str) -> None:
        self.name = name
        self.lines: list[str] = []
        self._ready = threading.Event()
        self._ready_text = ready_text
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if self._ready_text in line:
                self._ready.set()
        self._ready.set()  # exited: stop waiting

    def wait_ready(self) -> None:
        self._ready.wait(START_BOUND_S)
        if self.process.poll() is not None or not any(self._ready_text in line for line in self.lines):
            raise RuntimeError(f"{self.name} did not start:\n{''.join(self.lines[-40:])}")

    def text(self) -> str:
        return "".join(self.lines)

    def kill(self) -> None:
        """Die as a crashed replica dies: no clean shutdown."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def base_env(data_dir: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADING_")}
    env.update(
        TRADING_DATA_DIR=str(data_dir),
        TRADING_LOG_LEVEL="WARNING",
        TRADING_EVENT_LOOP="asyncio",
        PYTHONPATH=f"{ROOT}:{ROOT / 'gen' / 'python'}",
    )
    env.update(settings)
    return env


def wait_until(check, what: str, bound_s: float = START_BOUND_S) -> None:  # type: ignore[no-untyped-def]
    """Poll `check()` until true, within a generous bound (never asserted as a duration)."""
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"never: {what}")
