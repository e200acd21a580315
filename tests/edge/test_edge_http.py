"""The edge's plain HTTP routes: JWKS, health, webhooks, the web app."""

from __future__ import annotations

from pathlib import Path

from yarl import URL

from core.keys import KeyStore
from tests.ports import free_port as _unused_port


async def test_jwks_publishes_the_keys_that_verify_tokens(make_edge, grpc_port: int, keys: KeyStore) -> None:
    client = await make_edge(grpc_port)
    response = await client.get("/.well-known/jwks.json")
    body = await response.json()
    assert response.status == 200
    assert body == keys.jwks()
    assert body["keys"][0]["kid"] == keys.active().kid


async def test_health_is_ok_when_services_serve_and_the_bus_answers(make_edge, grpc_port: int) -> None:
    client = await make_edge(grpc_port)
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {
        "status": "ok",
        "services": {"trading.platform.v1.PlatformService": "SERVING"},
        "bus": "OK",
    }


async def test_health_is_503_when_a_service_is_unreachable(make_edge) -> None:
    client = await make_edge(_unused_port())
    response = await client.get("/health")
    body = await response.json()
    assert response.status == 503
    assert body["status"] == "degraded"
    assert body["services"]["trading.platform.v1.PlatformService"] == "UNREACHABLE"


async def test_webhooks_without_their_secret_answer_503_not_configured(make_edge, grpc_port: int) -> None:
    client = await make_edge(grpc_port)
    for path, setting in (
        ("/payments/webhook", "TRADING_BILLING_STRIPE_WEBHOOK_SECRET"),
        ("/broker/webhook", "TRADING_BROKER_WEBHOOK_SECRET"),
    ):
        response = await client.post(path, data=b"{}")
        body = await response.json()
        assert response.status == 503
        assert body["code"] == 14
        assert "not configured" in body["message"]
        assert setting in body["message"]


async def test_root_says_the_web_app_is_not_built_when_dist_is_missing(make_edge, grpc_port: int) -> None:
    client = await make_edge(grpc_port)
    response = await client.get("/")
    assert response.status == 200
    assert "isn't built" in await response.text()
    assert (await client.get("/assets/app.js")).status == 404


async def test_built_web_app_is_served_with_index_for_page_navigations(
    make_edge, grpc_port: int, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html>app</html>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("nope")
    client = await make_edge(grpc_port, web_root=dist)
    assert await (await client.get("/")).text() == "<html>app</html>"
    assert await (await client.get("/assets/app.js")).text() == "console.log(1)"
    page = await client.get("/trading/EURUSD", headers={"Accept": "text/html"})
    assert await page.text() == "<html>app</html>"
    assert (await client.get("/nothing.js")).status == 404
    assert (await client.get(URL("/..%2Fsecret.txt", encoded=True))).status == 404
