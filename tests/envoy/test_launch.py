"""Starting Envoy: a crash at start (killed by a signal before it is ready) is retried once; a config
error is not."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from app.envoy import (
    EnvoyCrashed,
    envoy_binary,
    launch_envoy,
    render_envoy_config,
    stop_envoy,
    write_envoy_config,
)
from core.settings import Settings
from tests.envoy.gateway_harness import DESCRIPTOR, EDUCATION, PLATFORM
from tests.ports import free_port

pytestmark = pytest.mark.envoy


def crashing_binary(tmp_path: Path, crashes: int) -> str:
    """An Envoy that kills itself with SIGSEGV on its first `crashes` starts, then runs for real."""
    script = tmp_path / "envoy-crashing"
    count = tmp_path / "starts"
    script.write_text(
        "#!/bin/sh\n"
        f'echo x >> "{count}"\n'
        f'if [ "$(wc -l < "{count}")" -le {crashes} ]; then kill -SEGV $$; fi\n'
        f'exec "{envoy_binary()}" "$@"\n'
    )
    script.chmod(0o755)
    return str(script)


def config(tmp_path: Path) -> tuple[Path, int]:
    settings = Settings.model_construct(envoy_port=free_port(), envoy_admin_port=free_port())
    path = write_envoy_config(
        render_envoy_config(settings, DESCRIPTOR, [PLATFORM, EDUCATION]), tmp_path / "e.yaml"
    )
    return path, settings.envoy_admin_port


def starts(tmp_path: Path) -> int:
    return len((tmp_path / "starts").read_text().splitlines())


async def test_envoy_killed_at_start_is_started_once_more(tmp_path: Path) -> None:
    path, admin = config(tmp_path)
    process = await launch_envoy(
        path, random.randrange(10_000, 2_000_000), admin, concurrency=1, binary=crashing_binary(tmp_path, 1)
    )
    try:
        assert process.returncode is None
        assert starts(tmp_path) == 2
    finally:
        await stop_envoy(process)


async def test_a_second_crash_is_reported(tmp_path: Path) -> None:
    path, admin = config(tmp_path)
    with pytest.raises(EnvoyCrashed, match="signal 11"):
        await launch_envoy(path, 4243, admin, concurrency=1, binary=crashing_binary(tmp_path, 2))
    assert starts(tmp_path) == 2


async def test_a_config_error_is_not_retried(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("static_resources: {listeners: [{name: x}]}\n")
    binary = crashing_binary(tmp_path, 0)
    with pytest.raises(RuntimeError, match="exited with code") as raised:
        await asyncio.wait_for(launch_envoy(path, 4244, free_port(), binary=binary), 60)
    assert not isinstance(raised.value, EnvoyCrashed)
    assert starts(tmp_path) == 1
