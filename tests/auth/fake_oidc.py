"""A fake OpenID Connect provider on loopback: discovery, authorize, token, userinfo, JWKS.

It checks what a real provider checks: the client, the exact redirect URI, PKCE S256 and
single-use codes, and it signs ID tokens (ES256) carrying the nonce it was given.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec

CLIENT_ID, CLIENT_SECRET = "trading-client", "s3cret"


@dataclass
class FakeUser:
    sub: str
    email: str
    email_verified: bool = True


@dataclass
class FakeOIDC:
    """The provider's state; `user` is whoever 'consents' at the authorize endpoint."""

    user: FakeUser = field(default_factory=lambda: FakeUser("g-123", "ana@example.com"))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    issuer: str = ""
    runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self.discovery)
        app.router.add_get("/authorize", self.authorize)
        app.router.add_post("/token", self.token)
        app.router.add_get("/userinfo", self.userinfo)
        app.router.add_get("/jwks", self.jwks)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.issuer = f"http://127.0.0.1:{port}"
        return self.issuer

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    async def discovery(self, request: web.Request) -> web.Response:
        i = self.issuer
        return web.json_response({
            "issuer": i, "authorization_endpoint": f"{i}/authorize", "token_endpoint": f"{i}/token",
            "userinfo_endpoint": f"{i}/userinfo", "jwks_uri": f"{i}/jwks",
            "code_challenge_methods_supported": ["S256"],
        })  # fmt: skip

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != CLIENT_ID or q.get("code_challenge_method") != "S256":
            return web.json_response({"error": "invalid_request"}, status=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"redirect_uri": q["redirect_uri"], "challenge": q["code_challenge"],
                            "nonce": q.get("nonce", ""), "user": self.user}  # fmt: skip
        location = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        raise web.HTTPFound(location)

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        code = str(form.get("code", ""))
        grant = self.codes.get(code)
        bad = web.json_response({"error": "invalid_grant"}, status=400)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return web.json_response({"error": "invalid_client"}, status=401)
        if grant is None or code in self.used_codes or form.get("redirect_uri") != grant["redirect_uri"]:
            return bad
        self.used_codes.add(code)
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["challenge"]:
            return bad
        user: FakeUser = grant["user"]
        now = int(time.time())
        id_token = jwt.encode(
            {"iss": self.issuer, "aud": CLIENT_ID, "sub": user.sub, "email": user.email,
             "email_verified": user.email_verified, "nonce": grant["nonce"], "iat": now, "exp": now + 300,
             "given_name": "Ana", "family_name": "Diaz"},
            self.key, algorithm="ES256", headers={"kid": "k1"},
        )  # fmt: skip
        return web.json_response({"access_token": f"at-{code}", "token_type": "Bearer", "id_token": id_token})

    async def userinfo(self, request: web.Request) -> web.Response:
        code = request.headers.get("Authorization", "").removeprefix("Bearer at-")
        grant = self.codes.get(code)
        if grant is None:
            return web.json_response({"error": "invalid_token"}, status=401)
        user: FakeUser = grant["user"]
        return web.json_response(
            {"sub": user.sub, "email": user.email, "email_verified": user.email_verified}
        )

    async def jwks(self, request: web.Request) -> web.Response:
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        return web.json_response({"keys": [{**jwk, "kid": "k1", "alg": "ES256", "use": "sig"}]})
