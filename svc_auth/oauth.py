"""OAuth 2.0 / OpenID Connect sign-in: authorization code with PKCE (S256 only), state and nonce.

A sign-in starts with `start`, which stores the state (hashed), the PKCE verifier, the nonce,
the exact redirect URI and a browser binding (hashed; the value goes to the starting browser
only), and ends with `complete`, which spends that state once, only with the same browser's
binding (so a code and state from an attacker's flow cannot sign a victim's browser in: login
CSRF), exchanges the code, reads the identity (a verified ID token for OIDC providers, the API
for GitHub) and links it to an account: an identity seen before; else, for a provider configured
with `trusted_email`, the account with the same email (an unverified one is not linked but
disabled with its sessions, since someone may have registered the address before its owner, and
a new verified account is made); else a new account. An untrusted provider never links to an
existing account, and its accounts start unverified.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
import jwt
from sqlalchemy import select, update

from core.errors import FailedPrecondition, InvalidArgument, NotFound, Unauthenticated, Unavailable
from svc_auth.accounts import SignIn, complete_sign_in
from svc_auth.config import OAuthProviderSettings
from svc_auth.deps import AuthDeps
from svc_auth.models import OAuthIdentity, OAuthState, User
from svc_auth.passwords import normalise_email
from svc_auth.tokens import announce_revocation, digest, new_id, revoke_all

PRESETS: dict[str, dict[str, Any]] = {
    "google": {
        "issuer": "https://accounts.google.com",
        "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_url": "https://oauth2.googleapis.com/token",
        "userinfo_url": "https://openidconnect.googleapis.com/v1/userinfo",
        "jwks_url": "https://www.googleapis.com/oauth2/v3/certs",
        "scopes": ["openid", "email", "profile"],
    },
    "github": {
        "authorize_url": "https://github.com/login/oauth/authorize",
        "token_url": "https://github.com/login/oauth/access_token",
        "userinfo_url": "https://api.github.com/user",
        "emails_url": "https://api.github.com/user/emails",
        "scopes": ["read:user", "user:email"],
    },
}
TIMEOUT = aiohttp.ClientTimeout(total=10)


@dataclass(frozen=True)
class Provider:
    """A configured provider with its endpoints resolved."""

    name: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    authorize_url: str
    token_url: str
    userinfo_url: str = ""
    jwks_url: str = ""
    emails_url: str = ""
    issuer: str = ""
    scopes: tuple[str, ...] = field(default_factory=tuple)
    trusted_email: bool = False

    @property
    def is_oidc(self) -> bool:
        return bool(self.issuer and self.jwks_url)


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in."""

    subject: str
    email: str
    email_verified: bool
    first_name: str = ""
    last_name: str = ""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce_challenge(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode()).digest())


async def _discover(issuer: str) -> dict[str, Any]:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http, http.get(url) as r:
        r.raise_for_status()
        doc: dict[str, Any] = await r.json(content_type=None)
    return doc


async def resolve(name: str, cfg: OAuthProviderSettings) -> Provider:
    """The provider's endpoints: the preset, then explicit settings, then OIDC discovery."""
    values: dict[str, Any] = dict(PRESETS.get(cfg.preset, {}))
    for key in ("issuer", "authorize_url", "token_url", "userinfo_url", "jwks_url", "emails_url"):
        if getattr(cfg, key):
            values[key] = getattr(cfg, key)
    if cfg.scopes:
        values["scopes"] = cfg.scopes
    if values.get("issuer") and not values.get("authorize_url"):
        doc = await _discover(values["issuer"])
        values.update(
            authorize_url=doc["authorization_endpoint"], token_url=doc["token_endpoint"],
            userinfo_url=doc.get("userinfo_endpoint", ""), jwks_url=doc.get("jwks_uri", ""),
        )  # fmt: skip
        values.setdefault("scopes", ["openid", "email", "profile"])
    values["scopes"] = tuple(values.get("scopes", ()))
    return Provider(name=name, client_id=cfg.client_id, client_secret=cfg.client_secret.get_secret_value(),
                    redirect_uris=tuple(cfg.redirect_uris), trusted_email=cfg.trusted_email,
                    **values)  # fmt: skip


class OAuth:
    """OAuth sign-in for the providers in settings."""

    def __init__(self, deps: AuthDeps) -> None:
        self.deps = deps
        self._providers: dict[str, Provider] = {}

    async def provider(self, name: str) -> Provider:
        if name not in self._providers:
            cfg = self.deps.settings.oauth_providers.get(name)
            if cfg is None:
                raise NotFound(f"no OAuth provider {name!r}", reason="OAUTH_PROVIDER_UNKNOWN")
            self._providers[name] = await resolve(name, cfg)
        return self._providers[name]

    async def start(self, name: str, redirect_uri: str) -> tuple[str, str, Any, str]:
        """The authorization URL to send the browser to, its state, when it expires and the
        browser binding to keep in that browser."""
        p = await self.provider(name)
        if redirect_uri not in p.redirect_uris:
            raise InvalidArgument(
                "this redirect URI is not registered",
                violations=[("redirect_uri", "must equal a configured redirect URI exactly")],
                reason="OAUTH_REDIRECT_URI_NOT_ALLOWED",
            )
        state, verifier, nonce, binding = (
            secrets.token_urlsafe(32),
            secrets.token_urlsafe(48),
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(32),
        )
        expires = self.deps.clock.now() + timedelta(seconds=self.deps.settings.oauth_state_ttl_s)
        async with self.deps.db.transaction() as s:
            s.add(OAuthState(state_hash=digest(state), provider=name, redirect_uri=redirect_uri,
                             code_verifier=verifier, nonce=nonce, binding_hash=digest(binding),
                             expires_at=expires))  # fmt: skip
        params = {
            "response_type": "code",
            "client_id": p.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(p.scopes),
            "state": state,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
        }
        if p.is_oidc:
            params["nonce"] = nonce
        return f"{p.authorize_url}?{urlencode(params)}", state, expires, binding

    async def _spend_state(self, name: str, state: str, redirect_uri: str, binding: str) -> OAuthState:
        bad = Unauthenticated("this sign-in is not valid; start again", reason="OAUTH_STATE_INVALID")
        async with self.deps.db.transaction() as s:
            now = self.deps.clock.now()
            row = await s.get(OAuthState, digest(state))
            if row is None or row.used_at is not None or row.expires_at <= now or row.provider != name:
                raise bad
            if row.redirect_uri != redirect_uri:
                raise bad
            if not secrets.compare_digest(row.binding_hash, digest(binding)):
                raise bad  # another browser's flow: the state stays usable by its own browser
            spent = await s.execute(
                update(OAuthState)
                .where(OAuthState.state_hash == row.state_hash, OAuthState.used_at.is_(None))
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            if spent.rowcount != 1:  # type: ignore[attr-defined]
                raise bad
        return row

    async def complete(self, name: str, code: str, state: str, redirect_uri: str, binding: str) -> SignIn:
        p = await self.provider(name)
        started = await self._spend_state(name, state, redirect_uri, binding)
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            tokens = await _exchange(http, p, code, started)
            identity = await (
                _oidc_identity(http, p, tokens, started.nonce)
                if p.is_oidc
                else _github_identity(http, p, tokens)
            )
        user = await self._link(p, identity)
        if user.disabled:
            raise Unauthenticated("this account is disabled", reason="ACCOUNT_DISABLED")
        return await complete_sign_in(self.deps, user)

    async def _link(self, p: Provider, identity: Identity) -> User:
        revoked: list[tuple[str, int]] = []
        async with self.deps.db.transaction() as s:
            linked = await s.get(OAuthIdentity, (p.name, identity.subject))
            if linked is not None:
                user = await s.get(User, linked.user_id)
                assert user is not None
                return user
            if not identity.email_verified:
                raise FailedPrecondition(
                    "the provider has not verified your email", reason="OAUTH_EMAIL_NOT_VERIFIED"
                )
            holders = list(await s.scalars(select(User).where(User.email == identity.email)))
            owner = next((u for u in holders if u.email_verified), None)
            if holders and not p.trusted_email:
                raise FailedPrecondition(
                    "an account already uses this email: sign in to it with its password",
                    reason="OAUTH_EMAIL_IN_USE",
                )
            if owner is None:
                for squatter in holders:  # registered before the address was proven: not its owner's
                    squatter.disabled = True
                    squatter.password_hash = None
                    revoked.append((squatter.id, await revoke_all(s, squatter.id, self.deps.clock.now())))
                owner = self._new_user(identity, verified=p.trusted_email)
                s.add(owner)
                await s.flush()
            s.add(OAuthIdentity(provider=p.name, subject=identity.subject, user_id=owner.id,
                                email=identity.email, created_at=self.deps.clock.now()))  # fmt: skip
        for user_id, version in revoked:
            await announce_revocation(self.deps, user_id, version)
        return owner

    def _new_user(self, identity: Identity, *, verified: bool) -> User:
        now = self.deps.clock.now()
        return User(
            id=new_id(), email=identity.email, email_verified=verified, password_hash=None,
            first_name=identity.first_name[:100], last_name=identity.last_name[:100], roles="user",
            plan="free", disabled=False, totp_enabled=False, totp_last_step=0, risk_tolerance="",
            max_drawdown_percent=0, horizon_months=0, session_version=0, created_at=now, updated_at=now,
        )  # fmt: skip


def _rejected(what: str) -> Unauthenticated:
    return Unauthenticated(f"the provider refused the sign-in ({what})", reason="OAUTH_CODE_REJECTED")


async def _exchange(
    http: aiohttp.ClientSession, p: Provider, code: str, started: OAuthState
) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": started.redirect_uri,
        "client_id": p.client_id,
        "client_secret": p.client_secret,
        "code_verifier": started.code_verifier,
    }
    try:
        async with http.post(p.token_url, data=form, headers={"Accept": "application/json"}) as r:
            body: dict[str, Any] = await r.json(content_type=None)
            status = r.status
    except (aiohttp.ClientError, TimeoutError, ValueError) as e:
        raise Unavailable("the sign-in provider did not answer", reason="OAUTH_PROVIDER_UNAVAILABLE") from e
    if status != 200 or "access_token" not in body:
        raise _rejected(str(body.get("error", status)))
    return body


async def _get_json(http: aiohttp.ClientSession, url: str, access_token: str = "") -> Any:
    headers = {"Accept": "application/json"}
    if access_token:
        headers["Authorization"] = f"Bearer {access_token}"
    try:
        async with http.get(url, headers=headers) as r:
            if r.status != 200:
                raise _rejected(f"{url} answered {r.status}")
            return await r.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError) as e:
        raise Unavailable("the sign-in provider did not answer", reason="OAUTH_PROVIDER_UNAVAILABLE") from e


async def _oidc_identity(
    http: aiohttp.ClientSession, p: Provider, tokens: dict[str, Any], nonce: str
) -> Identity:
    id_token = tokens.get("id_token")
    if not id_token:
        raise _rejected("no id_token")
    jwks = jwt.PyJWKSet.from_dict(await _get_json(http, p.jwks_url))
    try:
        kid = jwt.get_unverified_header(id_token).get("kid")
        key = next(k for k in jwks.keys if k.key_id == kid)
        claims = jwt.decode(id_token, key.key, algorithms=["RS256", "ES256", "EdDSA"], audience=p.client_id,
                            issuer=p.issuer, options={"require": ["exp", "iat", "sub", "nonce"]})  # fmt: skip
    except (StopIteration, jwt.PyJWTError) as e:
        raise _rejected("bad id_token") from e
    if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise _rejected("nonce mismatch")
    if not claims.get("email") and p.userinfo_url:
        info = await _get_json(http, p.userinfo_url, tokens["access_token"])
        if str(info.get("sub")) == str(claims["sub"]):
            claims = {**info, "sub": claims["sub"]}
    return Identity(
        subject=str(claims["sub"]),
        email=normalise_email(str(claims.get("email", ""))),
        email_verified=claims.get("email_verified") is True and bool(claims.get("email")),
        first_name=str(claims.get("given_name", "")),
        last_name=str(claims.get("family_name", "")),
    )


async def _github_identity(http: aiohttp.ClientSession, p: Provider, tokens: dict[str, Any]) -> Identity:
    me = await _get_json(http, p.userinfo_url, tokens["access_token"])
    emails = await _get_json(http, p.emails_url, tokens["access_token"]) if p.emails_url else []
    primary = next((e for e in emails if e.get("primary") and e.get("verified")), None)
    first, _, last = str(me.get("name") or "").partition(" ")
    return Identity(
        subject=str(me["id"]),
        email=normalise_email(primary["email"]) if primary else "",
        email_verified=primary is not None,
        first_name=first,
        last_name=last,
    )
