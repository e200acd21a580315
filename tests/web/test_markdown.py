"""The assistant's Markdown renderer (tests/web/markdown.test.mjs): formatting as elements, HTML as text."""

from __future__ import annotations

import subprocess

from tests.web.conftest import ROOT, require


def test_the_markdown_renderer_formats_and_escapes(node: str) -> None:
    require("web/node_modules", (ROOT / "web/node_modules/esbuild").is_dir(), "run `make web`")
    run = subprocess.run(
        [node, "--test", "tests/web/markdown.test.mjs"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, f"{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
