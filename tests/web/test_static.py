"""The edge serves the built app: client-side routes get index.html, hashed bundles are cached for
good and sent gzipped when the browser accepts it, and nothing outside web/dist is reachable."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from edge.static import static_handler

BUNDLE = "console.log('trading');" * 50


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=root></div>")
    (dist / "assets" / "index-abc123.js").write_text(BUNDLE)
    (dist / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(BUNDLE.encode()))
    (tmp_path / "secret.txt").write_text("not public")
    app = web.Application()
    app.router.add_get("/{tail:.*}", static_handler(dist))
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


async def test_a_client_side_route_loads_the_app(client: TestClient) -> None:
    r = await client.get("/trading/EURUSD", headers={"Accept": "text/html"})
    assert r.status == 200
    assert "id=root" in await r.text()
    assert r.headers["Cache-Control"] == "no-cache"


async def test_a_hashed_bundle_is_cached_for_good_and_sent_gzipped(client: TestClient) -> None:
    r = await client.get(
        "/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"}, auto_decompress=False
    )
    assert r.status == 200
    assert r.headers["Content-Encoding"] == "gzip"
    assert "immutable" in r.headers["Cache-Control"]
    assert gzip.decompress(await r.read()).decode() == BUNDLE


async def test_a_missing_asset_is_404_not_the_app(client: TestClient) -> None:
    r = await client.get("/assets/gone-000.js", headers={"Accept": "*/*"})
    assert r.status == 404


async def test_nothing_outside_the_build_is_served(client: TestClient) -> None:
    r = await client.get("/assets/..%2F..%2Fsecret.txt", headers={"Accept": "*/*"})
    assert r.status == 404
