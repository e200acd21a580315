"""Sign-up and sign-in over REST through Envoy, against the real svc_auth (as `trading up` runs it):
register, log in, refresh, GET /auth/me with the access token; a refresh token presented as an
access token, a spent refresh token and no token at all are refused."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from app import envoy
from app.assembly import settings_descriptor, start_edge
from app.migrate import migrate
from app.registry import load_spec
from app.runtime import Runtime, make_context
from core.settings import Settings
from tests.envoy.gateway_harness import free_port

pytestmark = [pytest.mark.envoy, pytest.mark.asyncio(loop_scope="module")]
PASSWORD = "a long passphrase 1"


@dataclass
class Rest:
    url: str
    session: aiohttp.ClientSession

    async def send(self, method: str, path: str, body: Any = None, token: str = "") -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.session.request(method, self.url + path, json=body, headers=headers) as reply:
            return reply.status, await reply.json(content_type=None)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def rest(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Rest]:
    data_dir = tmp_path_factory.mktemp("auth-rest")
    settings = Settings(
        data_dir=data_dir,
        grpc_host="127.0.0.1",
        grpc_port=0,
        edge_port=free_port(),
        envoy_port=free_port(),
        envoy_admin_port=free_port(),
    )
    specs = [load_spec("auth")]
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
            yield Rest(f"http://127.0.0.1:{settings.envoy_port}", session)
    finally:
        await envoy.stop_envoy(proxy)
        await edge.cleanup()
        await runtime.stop(0)


async def test_register_login_refresh_and_me_over_rest(rest: Rest) -> None:
    status, registered = await rest.send(
        "POST",
        "/auth/register",
        {
            "email": "Ana@Example.com",
            "password": PASSWORD,
            "first_name": "Ana",
            "last_name": "Ruiz",
        },
    )
    assert status == 200, registered
    assert registered["user"]["email"] == "ana@example.com"
    assert set(registered["tokens"]) >= {"access_token", "refresh_token", "token_type", "expires_in"}

    status, login = await rest.send("POST", "/auth/login", {"email": "ana@example.com", "password": PASSWORD})
    assert status == 200, login
    assert login["user"]["id"] == registered["user"]["id"]
    refresh = login["tokens"]["refresh_token"]

    status, renewed = await rest.send("POST", "/auth/refresh", {"refresh_token": refresh})
    assert status == 200, renewed
    assert renewed["refresh_token"] != refresh

    status, me = await rest.send("GET", "/auth/me", token=renewed["access_token"])
    assert status == 200, me
    assert (me["user"]["id"], me["user"]["first_name"]) == (registered["user"]["id"], "Ana")


async def test_tokens_that_are_not_access_tokens_are_refused(rest: Rest) -> None:
    status, body = await rest.send(
        "POST",
        "/auth/register",
        {
            "email": "bob@example.com",
            "password": PASSWORD,
            "first_name": "Bob",
            "last_name": "Lee",
        },
    )
    assert status == 200, body
    refresh = body["tokens"]["refresh_token"]

    status, _ = await rest.send("GET", "/auth/me", token=refresh)  # a refresh token as a bearer
    assert status == 401
    status, _ = await rest.send("GET", "/auth/me")
    assert status == 401

    status, renewed = await rest.send("POST", "/auth/refresh", {"refresh_token": refresh})
    assert status == 200, renewed
    # spent a moment ago: a race between two tabs, answered 409 and the family is kept
    status, replay = await rest.send("POST", "/auth/refresh", {"refresh_token": refresh})
    assert status == 409, replay
    assert replay["details"][0]["reason"] == "REFRESH_RACE"
    status, again = await rest.send("POST", "/auth/refresh", {"refresh_token": renewed["refresh_token"]})
    assert status == 200, again


async def _signed_in(rest: Rest, email: str) -> dict[str, Any]:
    body = {"email": email, "password": PASSWORD, "first_name": "Eve", "last_name": "Ray"}
    status, registered = await rest.send("POST", "/auth/register", body)
    assert status == 200, registered
    return dict(registered)


async def test_account_changes_need_a_fresh_proof_and_guesses_are_limited_over_rest(rest: Rest) -> None:
    access = (await _signed_in(rest, "carol@example.com"))["tokens"]["access_token"]
    status, body = await rest.send("POST", "/auth/2fa/setup", {}, token=access)
    assert status == 403, body
    assert body["details"][0]["reason"] == "REAUTH_REQUIRED"
    statuses = []
    for i in range(11):
        wrong = {"current_password": f"guess {i} wrong", "new_password": "a new long password"}
        status, body = await rest.send("POST", "/auth/password", wrong, token=access)
        statuses.append(status)
    assert statuses == [400] * 10 + [429], statuses
    assert body["details"][0]["reason"] == "TOO_MANY_ATTEMPTS"


async def test_a_password_change_revokes_other_access_tokens_at_once_over_rest(rest: Rest) -> None:
    registered = await _signed_in(rest, "dan@example.com")
    stolen = registered["tokens"]["access_token"]
    change = {"current_password": PASSWORD, "new_password": "a new long password"}
    status, changed = await rest.send("POST", "/auth/password", change, token=stolen)
    assert status == 200, changed
    status, body = await rest.send("GET", "/auth/me", token=stolen)
    assert status == 401, body
    assert body["details"][0]["reason"] == "SESSION_REVOKED"
    status, me = await rest.send("GET", "/auth/me", token=changed["tokens"]["access_token"])
    assert status == 200, me


async def test_a_spent_refresh_token_cannot_log_out_everywhere_over_rest(rest: Rest) -> None:
    registered = await _signed_in(rest, "erin@example.com")
    old_copy = registered["tokens"]["refresh_token"]
    status, renewed = await rest.send("POST", "/auth/refresh", {"refresh_token": old_copy})
    assert status == 200, renewed
    status, body = await rest.send("POST", "/auth/logout", {"refresh_token": old_copy, "all_sessions": True})
    assert status == 401, body
    status, me = await rest.send("GET", "/auth/me", token=renewed["access_token"])
    assert status == 200, me


async def test_forgot_password_answers_alike_and_a_bad_reset_token_is_json_over_rest(rest: Rest) -> None:
    await _signed_in(rest, "fay@example.com")
    known = await rest.send("POST", "/auth/password/forgot", {"email": "fay@example.com"})
    unknown = await rest.send("POST", "/auth/password/forgot", {"email": "ghost@example.com"})
    assert known == unknown == (200, {})
    status, body = await rest.send(
        "POST", "/auth/password/reset", {"token": "forged", "new_password": "a new long password"}
    )
    assert status == 400, body
    assert body["details"][0]["reason"] == "RESET_TOKEN_INVALID"


async def test_export_and_delete_over_rest(rest: Rest) -> None:
    access = (await _signed_in(rest, "gil@example.com"))["tokens"]["access_token"]
    status, export = await rest.send("GET", "/auth/me/export", token=access)
    assert status == 200, export
    assert export["user"]["email"] == "gil@example.com"
    status, body = await rest.send("POST", "/auth/me/delete", {"reauth_token": "nope"}, token=access)
    assert status == 403, body
    status, proof = await rest.send("POST", "/auth/confirm-identity", {"password": PASSWORD}, token=access)
    assert status == 200, proof
    status, body = await rest.send(
        "POST", "/auth/me/delete", {"reauth_token": proof["reauth_token"]}, token=access
    )
    assert status == 200, body
    status, body = await rest.send("GET", "/auth/me/export", token=access)
    assert status == 401, body


async def test_sign_ups_from_one_address_are_limited_over_rest(rest: Rest) -> None:
    """Runs last in this module: it uses up the sign-ups of the test's address."""
    statuses = []
    for i in range(25):
        body = {"email": f"bot{i}@example.com", "password": PASSWORD, "first_name": "B", "last_name": "T"}
        status, reply = await rest.send("POST", "/auth/register", body)
        statuses.append(status)
        if status == 429:
            break
    assert statuses[-1] == 429, statuses
    assert set(statuses[:-1]) == {200}
    assert reply["details"][0]["reason"] == "TOO_MANY_REGISTRATIONS"
