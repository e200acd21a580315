"""The browser app end to end (tests/web/e2e.test.mjs, Playwright in Debian's Chromium) against the
real platform: sign-up, the chart, a live tick, a paper trade and its notification, a published
signal on the chart, every page's main path, and no serious accessibility violation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.conftest import ROOT, Platform

pytestmark = [pytest.mark.envoy, pytest.mark.slow, pytest.mark.postgres]


def test_the_browser_app_end_to_end(web_platform: Platform, node: str, chromium: str, tmp_path: Path) -> None:
    report = tmp_path / "web-report.json"
    publish = [sys.executable, "-m", "tests.web.publish", web_platform.redis_url, web_platform.namespace]
    mail_link = [sys.executable, "-m", "tests.web.mail_link", str(web_platform.data_dir / "mail")]
    env = {
        **os.environ,
        "BASE_URL": web_platform.gateway,
        "PUBLISH": json.dumps(publish),
        "MAIL_LINK": json.dumps(mail_link),
        "CHROMIUM": chromium,
        "REPORT": str(report),
        "ADMIN_TOKEN": web_platform.admin_token,
    }
    shots = os.environ.get("TRADING_WEB_SCREENSHOTS")  # `make screenshots` sets docs/web
    if shots:
        env["SCREENSHOT_DIR"] = str(Path(shots).resolve())
    run = subprocess.run(
        [node, "--test", "--test-concurrency=1", "--test-reporter=spec", "tests/web/e2e.test.mjs"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(run.stdout[-6000:], run.stderr[-3000:])
    assert run.returncode == 0, f"browser tests failed:\n{run.stdout[-6000:]}\n{run.stderr[-3000:]}"
    figures = json.loads(report.read_text())
    assert figures["candles"] >= 1000
    print("web figures:", figures)
