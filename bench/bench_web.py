"""The browser app: first-page bundle size, first load of `/`, and the time until the trading chart
has drawn 5,000 candles, in Debian's Chromium against `trading up` (embedded, SQLite) on loopback.

Targets (issue 15): <= 500 kB gzipped for the first page, <= 1 s to the drawn chart. The candles
come by gRPC-Web; the same 5,000 candles fetched as REST + JSON through the same gateway are the
baseline printed beside them. Needs `make web` and /usr/bin/chromium.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from tests.web.conftest import CHROMIUM, ROOT, free_port, wait_for_banner, wait_for_candles

DIST = ROOT / "web" / "dist"
FIRST_PAGE_BUDGET_KB = 500
CHART_BUDGET_MS = 1000


def _chunk_files(manifest: dict, key: str, seen: set[str]) -> list[str]:
    """The JS and CSS a chunk loads up front: itself, its static imports (not its lazy pages), CSS."""
    if key in seen:
        return []
    seen.add(key)
    chunk = manifest[key]
    files = [chunk["file"], *chunk.get("css", [])]
    for child in chunk.get("imports", []):
        files += _chunk_files(manifest, child, seen)
    return files


def _gzip_kb(files: list[str]) -> float:
    return sum(len(gzip.compress((DIST / f).read_bytes(), 9)) for f in files) / 1000


def bundle_sizes() -> dict[str, float]:
    manifest = json.loads((DIST / ".vite" / "manifest.json").read_text())
    seen: set[str] = set()
    first = _chunk_files(manifest, "index.html", seen)
    trading = _chunk_files(manifest, "src/pages/Trading.tsx", seen)
    every = sorted(
        {c["file"] for c in manifest.values()} | {f for c in manifest.values() for f in c.get("css", [])}
    )
    return {
        "first page (sign-in)": _gzip_kb(first),
        "+ trading page (chart)": _gzip_kb(trading),
        "whole app": _gzip_kb(every),
    }


def _register(gateway: str) -> str:
    body = {
        "email": "bench@example.com",
        "password": "bench-password-1",
        "first_name": "Bench",
        "last_name": "Web",
    }
    request = urllib.request.Request(
        f"{gateway}/auth/register", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as r:
        answer = json.loads(r.read())
    tokens, user = answer["tokens"], answer["user"]
    saved_login = {
        "accessToken": tokens["access_token"],
        "refreshToken": tokens["refresh_token"],
        "accessExpiresAt": 4102444800000,  # no refresh during the bench
        "user": {
            "id": user["id"],
            "email": user["email"],
            "firstName": user["first_name"],
            "twoFactor": False,
        },
    }
    return json.dumps(saved_login)


def load_timings(runs: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as data_dir:
        ports = {name: free_port() for name in ("GRPC", "EDGE", "ENVOY", "ENVOY_ADMIN")}
        env = {
            **os.environ,
            "TRADING_DATA_DIR": data_dir,
            "TRADING_INFERENCE_ACTIVE_SYMBOLS": "[]",
            "TRADING_MARKET_DEMO_SYMBOLS": '["EURUSD"]',
            "TRADING_MARKET_TICKER_SYMBOLS": '["EURUSD"]',
            "TRADING_MARKET_DEMO_DAYS": "30",  # more than 5,000 five-minute bars on weekdays
            **{f"TRADING_{name}_PORT": str(port) for name, port in ports.items()},
        }
        env.pop("TRADING_DATABASE_URL", None)
        env.pop("TRADING_REDIS_URL", None)
        log = Path(data_dir) / "up.log"
        with log.open("w") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "app", "up", "--envoy-base-id", str(ports["ENVOY"] % 60000)],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True,
            )  # fmt: skip
            try:
                wait_for_banner(proc, log)
                gateway = f"http://127.0.0.1:{ports['ENVOY']}"
                wait_for_candles(gateway)
                node_env = {**env, "BASE_URL": gateway, "SESSION": _register(gateway), "RUNS": str(runs)}
                node_env["CHROMIUM"] = CHROMIUM
                out = subprocess.run(
                    ["node", str(ROOT / "bench" / "web_load.mjs")],
                    env=node_env, capture_output=True, text=True, timeout=300, check=True,
                )  # fmt: skip
                return list(json.loads(out.stdout.strip().splitlines()[-1]))
            finally:
                proc.terminate()
                proc.wait(30)


def main() -> None:
    if not (DIST / ".vite" / "manifest.json").is_file() or shutil.which("node") is None:
        print("skipped: build the app first (make web) and install Node.js")
        return
    print(f"{'bundle (gzip -9)':<28} {'kB':>8}")
    for label, kb in bundle_sizes().items():
        print(f"{label:<28} {kb:8.1f}")
    first_kb = bundle_sizes()["first page (sign-in)"]
    print(f"first page vs the {FIRST_PAGE_BUDGET_KB} kB budget: {first_kb / FIRST_PAGE_BUDGET_KB:.2f}x")
    if not Path(CHROMIUM).exists():
        print(f"load timings skipped: no {CHROMIUM} (apt-get install -y chromium)")
        return
    runs = load_timings(runs=5)
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"\nloopback, Chromium headless, median of {len(runs)} cold loads")
    row = "{:<44} {:8.0f} ms  {}".format
    wire = f"({med['transfer_bytes'] / 1000:.0f} kB over the wire)"
    print(row("first load of / (load event)", med["load_ms"], wire))
    print(
        row("/trading/EURUSD until the chart is drawn", med["drawn_ms"], f"({int(med['candles'])} candles)")
    )
    print(f"{'  chart drawn vs the 1 s target':<44} {med['drawn_ms'] / CHART_BUDGET_MS:8.2f}x")
    print(row("  GetCandles over gRPC-Web", med["grpc_web_ms"], f"{med['grpc_web_bytes'] / 1000:8.0f} kB"))
    print(
        row(
            "  baseline: same candles as REST + JSON",
            med["rest_json_ms"],
            f"{med['rest_json_bytes'] / 1000:8.0f} kB",
        )
    )
    time_ratio = med["grpc_web_ms"] / med["rest_json_ms"]
    byte_ratio = med["grpc_web_bytes"] / med["rest_json_bytes"]
    print(f"{'  gRPC-Web / JSON (time, bytes)':<44} {time_ratio:8.2f}x {byte_ratio:8.2f}x")
