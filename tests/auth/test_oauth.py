"""OAuth sign-in against a fake OIDC provider on loopback, and the attacks it must refuse."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import aiohttp
import grpc
import pytest
from sqlalchemy import func, select
from trading.auth.v1 import auth_messages_pb2 as m

from svc_auth.config import OAuthProviderSettings
from svc_auth.models import Base, User
from tests.auth.conftest import AuthEnv, bearer, cheap_settings, rpc_error, start_auth
from tests.auth.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOIDC, FakeUser

REDIRECT = "http://localhost:5173/oauth/callback"
# What each started sign-in's browser keeps: state -> browser binding.
BINDINGS: dict[str, str] = {}


@pytest.fixture
async def provider() -> AsyncIterator[FakeOIDC]:
    fake = FakeOIDC()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def auth(make_database: Callable, tmp_path: Path, provider: FakeOIDC) -> AsyncIterator[AuthEnv]:
    db = await make_database(Base.metadata)
    trusted = OAuthProviderSettings(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uris=[REDIRECT], issuer=provider.issuer,
        trusted_email=True,
    )  # fmt: skip
    untrusted = trusted.model_copy(update={"trusted_email": False})
    providers = {"acme": trusted, "other": untrusted}
    env, stop = await start_auth(db, tmp_path, settings=cheap_settings(oauth_providers=providers))
    yield env
    await stop()


async def start(auth: AuthEnv, redirect: str = REDIRECT, provider: str = "acme") -> m.StartOAuthResponse:
    started = await auth.stub.StartOAuth(m.StartOAuthRequest(provider=provider, redirect_uri=redirect))
    BINDINGS[started.state] = started.browser_binding
    return started


async def consent(authorize_url: str) -> dict[str, str]:
    """What the browser does: open the authorize URL and read the code and state it is sent back with."""
    async with aiohttp.ClientSession() as http, http.get(authorize_url, allow_redirects=False) as r:
        assert r.status == 302, await r.text()
        query = parse_qs(urlparse(r.headers["Location"]).query)
    return {k: v[0] for k, v in query.items()}


async def finish(
    auth: AuthEnv,
    code: str,
    state: str,
    redirect: str = REDIRECT,
    *,
    binding: str | None = None,
    provider: str = "acme",
) -> m.OAuthLoginResponse:
    """What the starting browser does with the code: send it with its own binding."""
    request = m.OAuthLoginRequest(
        provider=provider, code=code, state=state, redirect_uri=redirect,
        browser_binding=BINDINGS.get(state, "none") if binding is None else binding,
    )  # fmt: skip
    return await auth.stub.OAuthLogin(request)


async def user_count(auth: AuthEnv) -> int:
    async with auth.deps.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(User)) or 0)


async def test_oauth_sign_in_creates_a_verified_account_then_reuses_it(auth: AuthEnv) -> None:
    started = await start(auth)
    params = parse_qs(urlparse(started.authorize_url).query)
    assert params["code_challenge_method"] == ["S256"]
    assert params["nonce"]
    assert params["state"] == [started.state]
    back = await consent(started.authorize_url)
    first = await finish(auth, back["code"], back["state"])
    assert first.user.email == "ana@example.com"
    assert first.user.email_verified
    auth.keys.verify_access_token(first.tokens.access_token)
    again = await start(auth)
    back = await consent(again.authorize_url)
    second = await finish(auth, back["code"], back["state"])
    assert second.user.id == first.user.id


async def test_oauth_links_to_the_verified_account_with_the_same_email(auth: AuthEnv) -> None:
    local = await auth.verified_user()
    back = await consent((await start(auth)).authorize_url)
    signed = await finish(auth, back["code"], back["state"])
    assert signed.user.id == local.user.id


async def test_oauth_never_links_an_unverified_account_and_the_squatter_loses_it(auth: AuthEnv) -> None:
    squatter = await auth.register()
    back = await consent((await start(auth)).authorize_url)
    signed = await finish(auth, back["code"], back["state"])
    assert signed.user.id != squatter.user.id
    assert signed.user.email_verified
    error = await rpc_error(auth.login())  # the pre-registered password is gone
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    error = await rpc_error(auth.stub.GetMe(m.GetMeRequest(), metadata=bearer(squatter.tokens.access_token)))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_code_and_state_from_another_browser_are_refused(auth: AuthEnv) -> None:
    attacker = await start(auth)
    back = await consent(attacker.authorize_url)  # the attacker's own provider account
    error = await rpc_error(finish(auth, back["code"], back["state"], binding="the victim's browser"))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert await user_count(auth) == 0
    signed = await finish(auth, back["code"], back["state"])  # the starting browser still can
    assert signed.user.email == "ana@example.com"


async def test_an_untrusted_provider_never_links_to_an_existing_account(auth: AuthEnv) -> None:
    local = await auth.verified_user()
    back = await consent((await start(auth, provider="other")).authorize_url)
    error = await rpc_error(finish(auth, back["code"], back["state"], provider="other"))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert (await auth.login()).user.id == local.user.id


async def test_unverified_provider_email_is_refused(auth: AuthEnv, provider: FakeOIDC) -> None:
    provider.user = FakeUser("g-9", "mallory@example.com", email_verified=False)
    back = await consent((await start(auth)).authorize_url)
    error = await rpc_error(finish(auth, back["code"], back["state"]))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert await user_count(auth) == 0


async def test_bad_state_is_refused(auth: AuthEnv) -> None:
    back = await consent((await start(auth)).authorize_url)
    error = await rpc_error(finish(auth, back["code"], "forged-state"))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert await user_count(auth) == 0


async def test_a_code_from_another_flow_fails_pkce(auth: AuthEnv) -> None:
    attacker = await consent((await start(auth)).authorize_url)
    victim = await start(auth)
    error = await rpc_error(
        finish(auth, attacker["code"], victim.state)
    )  # victim's verifier, attacker's code
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert await user_count(auth) == 0


async def test_redirect_uri_with_an_extra_slash_is_refused(auth: AuthEnv) -> None:
    error = await rpc_error(start(auth, REDIRECT + "/"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    back = await consent((await start(auth)).authorize_url)
    error = await rpc_error(finish(auth, back["code"], back["state"], REDIRECT + "/"))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert await user_count(auth) == 0


async def test_a_reused_code_or_state_is_refused(auth: AuthEnv) -> None:
    back = await consent((await start(auth)).authorize_url)
    await finish(auth, back["code"], back["state"])
    reused_state = await rpc_error(finish(auth, back["code"], back["state"]))
    assert reused_state.code() == grpc.StatusCode.UNAUTHENTICATED
    fresh = await start(auth)
    reused_code = await rpc_error(finish(auth, back["code"], fresh.state))
    assert reused_code.code() == grpc.StatusCode.UNAUTHENTICATED
    assert await user_count(auth) == 1
