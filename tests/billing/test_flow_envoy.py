"""Seed 3.3 end to end through Envoy and the edge, against the real svc_auth and svc_billing as
`trading up` runs them, with the Stripe twin (no keys): register, checkout, pay on the twin's
page, the signed webhooks come back through Envoy to the edge and billing, the user gets
`subscription_activated` on the WebSocket, the next access token carries the plan and the seed
7.2 quotas follow it; then a wallet deposit is credited. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import pytest
import pytest_asyncio

from app import envoy
from app.assembly import settings_descriptor, start_edge
from app.migrate import migrate
from app.registry import load_spec
from app.runtime import Runtime, make_context
from core.settings import Settings
from tests.conftest import PG_ADMIN_URL, require_service
from tests.envoy.gateway_harness import free_port

pytestmark = [pytest.mark.envoy, pytest.mark.asyncio(loop_scope="module")]
PASSWORD = "a long passphrase 1"


@dataclass
class Platform:
    url: str
    session: aiohttp.ClientSession
    data_dir: Path
    twin: str  # the Stripe twin's address

    async def send(self, method: str, path: str, body: Any = None, token: str = "") -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = path if path.startswith("http") else self.url + path
        async with self.session.request(method, url, json=body, headers=headers) as reply:
            return reply.status, await reply.json(content_type=None)


def _fresh_pg_database() -> tuple[str, Callable[[], None]]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"trading_flow_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", drop


@pytest_asyncio.fixture(
    scope="module",
    loop_scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
async def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Platform]:
    data_dir = tmp_path_factory.mktemp("billing-flow")
    database_url, drop = ("", lambda: None) if request.param == "sqlite" else _fresh_pg_database()
    settings = Settings(
        data_dir=data_dir, database_url=database_url, grpc_host="127.0.0.1", grpc_port=0,
        edge_port=free_port(), envoy_port=free_port(), envoy_admin_port=free_port(),
    )  # fmt: skip
    # The twin's "pay" sends its webhooks to Envoy, as Stripe would reach the public URL.
    twin_port = free_port()
    os.environ["TRADING_BILLING_TWIN_PORT"] = str(twin_port)
    os.environ["TRADING_BILLING_TWIN_WEBHOOK_URL"] = (
        f"http://127.0.0.1:{settings.envoy_port}/payments/webhook"
    )
    specs = [load_spec("auth"), load_spec("billing")]
    migrate(settings, specs)
    runtime = Runtime(make_context(settings), specs, "test")
    await runtime.start("127.0.0.1:0")
    edge = await start_edge(settings, runtime.ctx, runtime.grpc_services)
    config = envoy.render_envoy_config(settings, settings_descriptor(), runtime.grpc_services)
    path = envoy.write_envoy_config(config, data_dir / "envoy.yaml")
    proxy = None
    try:
        proxy = await envoy.launch_envoy(
            path,
            random.randrange(10_000, 2_000_000),
            settings.envoy_admin_port,
            concurrency=1,
            log_path=data_dir / "envoy.log",
        )
        async with aiohttp.ClientSession() as session:
            yield Platform(
                f"http://127.0.0.1:{settings.envoy_port}", session, data_dir, f"http://127.0.0.1:{twin_port}"
            )
    finally:
        os.environ.pop("TRADING_BILLING_TWIN_WEBHOOK_URL", None)
        os.environ.pop("TRADING_BILLING_TWIN_PORT", None)
        await envoy.stop_envoy(proxy)
        await edge.cleanup()
        await runtime.stop(0)
        drop()


def claims(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


async def eventually(check: Callable[[], Awaitable[Any]], attempts: int = 1200) -> Any:
    """Poll `check` until it returns something truthy; a bound on tries, never on time."""
    for _ in range(attempts):
        if result := await check():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never held")


async def register(p: Platform, *, verify: bool = True) -> dict[str, Any]:
    """Sign up; unless told not to, verify the email from the mail sent and refresh the tokens so
    they say so, as a real user must before moving money."""
    email = f"ana-{uuid.uuid4().hex[:6]}@example.com"
    body = {"email": email, "password": PASSWORD, "first_name": "Ana", "last_name": "Ruiz"}
    status, registered = await p.send("POST", "/auth/register", body)
    assert status == 200, registered
    if not verify:
        return dict(registered)

    async def verification_token() -> str | None:
        for path in (p.data_dir / "mail").glob("*.eml"):
            mail = message_from_bytes(path.read_bytes(), policy=policy.default)
            if mail["To"] == email and "token=" in (text := mail.get_content()):  # type: ignore[union-attr]
                return str(text.split("token=", 1)[1].split()[0])
        return None

    status, verified = await p.send(
        "POST", "/auth/verify-email", {"token": await eventually(verification_token)}
    )
    assert status == 200, verified
    status, renewed = await p.send(
        "POST", "/auth/refresh", {"refresh_token": registered["tokens"]["refresh_token"]}
    )
    assert status == 200, renewed
    assert claims(renewed["access_token"])["email_verified"] is True
    return {**registered, "tokens": renewed}


async def next_event(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    while True:
        frame = await asyncio.wait_for(ws.receive_json(), 60)
        if frame["type"] == "event":
            return dict(frame)


async def test_buying_a_plan_end_to_end(platform: Platform) -> None:
    p = platform
    status, plans = await p.send("GET", "/payments/plans")
    assert status == 200, plans
    registered = await register(p)
    user_id, tokens = registered["user"]["id"], registered["tokens"]
    free_token = tokens["access_token"]
    assert claims(free_token)["plan"] == "free"

    async with p.session.ws_connect(f"{p.url}/ws", protocols=("trading.v1", f"bearer.{free_token}")) as ws:
        assert (await ws.receive_json())["type"] == "ready"
        channel = f"user:{user_id}:notifications"
        await ws.send_json({"type": "subscribe", "channels": [channel]})
        assert (await ws.receive_json()) == {"type": "subscribed", "channels": [channel]}

        checkout = {"plan_id": "pro-monthly", "idempotency_key": uuid.uuid4().hex}
        status, session = await p.send("POST", "/payments/checkout", checkout, free_token)
        assert status == 200, session
        async with p.session.get(session["checkout_url"]) as page:
            assert page.status == 200
            assert "Pay" in await page.text()
        async with p.session.post(f"{session['checkout_url']}/pay", allow_redirects=False) as paid:
            assert paid.status == 303

        event = await next_event(ws)
        assert event["channel"] == channel
        assert event["event"]["type"] == "subscription_activated"
        assert event["event"]["subscription_activated"]["plan"] == "pro"

    async def refreshed_with_pro() -> str | None:
        nonlocal tokens
        status, renewed = await p.send("POST", "/auth/refresh", {"refresh_token": tokens["refresh_token"]})
        assert status == 200, renewed
        tokens = renewed
        return str(renewed["access_token"]) if claims(renewed["access_token"])["plan"] == "pro" else None

    pro_token = await eventually(refreshed_with_pro)
    status, sub = await p.send("GET", "/payments/subscription", token=pro_token)
    assert status == 200, sub
    assert (sub["tier"], sub["subscription"]["status"]) == ("PLAN_TIER_PRO", "SUBSCRIPTION_STATUS_ACTIVE")

    # Seed 7.2: /payments/* allows the free plan 5 calls a minute and the pro plan 20.
    statuses = [(await p.send("GET", "/payments/wallet", token=pro_token))[0] for _ in range(12)]
    assert statuses == [200] * 12

    status, canceled = await p.send("POST", "/payments/subscription/cancel", {}, pro_token)
    assert status == 200, canceled
    assert canceled["canceled"] is True
    assert canceled["subscription"]["cancel_at_period_end"] is True
    status, refused = await p.send("POST", "/payments/subscription/cancel", {"immediately": True}, pro_token)
    assert status == 403, refused

    async def welcome_mail() -> bool:
        return any("Welcome to Pro" in m.read_text() for m in (p.data_dir / "mail").glob("*.eml"))

    await eventually(welcome_mail)


async def test_the_free_plan_quota_is_five_payments_calls_a_minute(platform: Platform) -> None:
    token = (await register(platform))["tokens"]["access_token"]
    statuses = [(await platform.send("GET", "/payments/wallet", token=token))[0] for _ in range(6)]
    assert statuses == [200] * 5 + [429]


async def test_funding_the_wallet_end_to_end(platform: Platform) -> None:
    p = platform
    token = (await register(p))["tokens"]["access_token"]
    body = {"amount": {"currency": "USD", "minor_units": "2500"}, "method": "DEPOSIT_METHOD_CARD",
            "idempotency_key": uuid.uuid4().hex}  # fmt: skip
    status, deposit = await p.send("POST", "/payments/wallet/deposit", body, token)
    assert status == 200, deposit
    intent = deposit["payment_intent"]
    status, wallet = await p.send("GET", "/payments/wallet", token=token)
    assert wallet["pending_deposits"]["minor_units"] == "2500"
    assert intent["redirect_url"] == f"{p.twin}/pay/{intent['id']}"
    async with p.session.get(intent["redirect_url"]) as page:
        assert "Pay" in await page.text()
    async with p.session.post(f"{intent['redirect_url']}/pay") as paid:
        assert paid.status == 200  # answered once the signed webhook went through Envoy and the edge
    status, wallet = await p.send("GET", "/payments/wallet", token=token)
    assert status == 200, wallet
    assert wallet["balance"]["minor_units"] == "2500"
    assert wallet["pending_deposits"].get("minor_units", "0") == "0"


async def test_a_fractional_amount_is_refused(platform: Platform) -> None:
    token = (await register(platform))["tokens"]["access_token"]
    body = {"amount": {"currency": "USD", "minor_units": 10.5}, "method": "DEPOSIT_METHOD_CARD",
            "idempotency_key": uuid.uuid4().hex}  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    async with platform.session.post(
        f"{platform.url}/payments/wallet/deposit", json=body, headers=headers
    ) as reply:
        assert reply.status == 400
        assert "minor_units" in await reply.text()


async def test_an_unsigned_webhook_through_envoy_is_400(platform: Platform) -> None:
    async with platform.session.post(f"{platform.url}/payments/webhook", data=b"{}") as reply:
        assert reply.status == 400


async def test_an_unverified_account_cannot_check_out_or_deposit(platform: Platform) -> None:
    token = (await register(platform, verify=False))["tokens"]["access_token"]
    assert claims(token).get("email_verified") is not True
    checkout = {"plan_id": "pro-monthly", "idempotency_key": uuid.uuid4().hex}
    deposit = {"amount": {"currency": "USD", "minor_units": "2500"}, "method": "DEPOSIT_METHOD_CARD",
               "idempotency_key": uuid.uuid4().hex}  # fmt: skip
    for path, body in (("/payments/checkout", checkout), ("/payments/wallet/deposit", deposit)):
        status, refused = await platform.send("POST", path, body, token)
        assert status == 400, refused
        assert refused["code"] == 9  # FAILED_PRECONDITION
        assert "EMAIL_NOT_VERIFIED" in json.dumps(refused["details"])
    status, wallet = await platform.send("GET", "/payments/wallet", token=token)
    assert status == 200, wallet  # reading is allowed, and nothing was started
    assert wallet["pending_deposits"].get("minor_units", "0") == "0"
