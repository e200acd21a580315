"""Authentication (bearer JWT or x-api-key) and the role check for an RPC's access rule."""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol

from core import access
from core.access import AccessRule
from core.errors import FailedPrecondition, PermissionDenied, Unauthenticated
from core.principal import ANONYMOUS, Principal

if TYPE_CHECKING:
    from core.revocation import SessionVersions


class TokenVerifier(Protocol):
    """Checks an access JWT and returns its claims (core.keys.KeyStore is one)."""

    def verify_access_token(self, token: str) -> dict[str, Any]: ...


class CredentialVerifier(Protocol):
    """Checks a service credential (x-api-key)."""

    async def verify_api_key(self, key: str) -> Principal | None: ...


# The caller's bearer token, so a service can call another on the same user's behalf.
current_bearer: ContextVar[str] = ContextVar("bearer", default="")


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    return Principal(
        kind="user",
        subject=str(claims.get("sub", "")),
        email=str(claims.get("email", "")),
        roles=frozenset(claims.get("roles") or ("user",)),
        plan=str(claims.get("plan") or "free"),
        token_id=str(claims.get("jti", "")),
        email_verified=bool(claims.get("email_verified", False)),
    )


def _header(metadata: Sequence[tuple[str, Any]], name: str) -> str:
    for key, value in metadata:
        if key == name:
            return value if isinstance(value, str) else value.decode()
    return ""


class Authenticator:
    """Turns request metadata into a Principal and enforces the RPC's audience."""

    def __init__(
        self,
        tokens: TokenVerifier | None,
        credentials: CredentialVerifier | None,
        sessions: SessionVersions | None = None,
    ) -> None:
        self.tokens = tokens
        self.credentials = credentials
        self.sessions = sessions  # refuses tokens of ended sessions (core.revocation)

    async def authenticate(
        self, metadata: Sequence[tuple[str, Any]], rule: AccessRule
    ) -> tuple[Principal, str]:
        """The caller and its raw bearer token. On public RPCs a bad token means anonymous."""
        bearer = _header(metadata, "authorization")
        api_key = _header(metadata, "x-api-key")
        try:
            if bearer:
                return await self._from_bearer(bearer), bearer
            if api_key:
                return await self._from_api_key(api_key), ""
        except Unauthenticated:
            if rule.audience == access.PUBLIC:
                return ANONYMOUS, ""
            raise
        return ANONYMOUS, ""

    async def _from_bearer(self, header: str) -> Principal:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("authorization must be 'Bearer <token>'", reason="BAD_AUTHORIZATION_HEADER")
        if self.tokens is None:
            raise Unauthenticated("this server accepts no tokens", reason="TOKENS_NOT_ACCEPTED")
        claims = self.tokens.verify_access_token(token.strip())
        if self.sessions is not None:
            await self.sessions.check(claims)
        return principal_from_claims(claims)

    async def _from_api_key(self, key: str) -> Principal:
        principal = await self.credentials.verify_api_key(key) if self.credentials else None
        if principal is None:
            raise Unauthenticated("unknown or revoked API key", reason="BAD_API_KEY")
        return principal


# Every service verifies the keys presented to it, whatever its own key's scopes.
ANY_SERVICE_METHODS = frozenset({"/trading.auth.v1.AuthService/VerifyServiceCredential"})


def required_scope(method: str) -> str:
    """ "/trading.auth.v1.AuthService/SetPlan" -> "auth:set_plan"."""
    service, name = access.split_method(method)
    domain = service.split(".")[1] if service.count(".") >= 2 else service
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    return f"{domain}:{snake}"


def scope_allows(scopes: frozenset[str], method: str) -> bool:
    """A service key may call a method when its scopes hold "*", "<domain>:*" or "<domain>:<rpc>"."""
    if "*" in scopes or method in ANY_SERVICE_METHODS:
        return True
    needed = required_scope(method)
    return needed in scopes or f"{needed.split(':')[0]}:*" in scopes


def authorize(rule: AccessRule, principal: Principal) -> None:
    """Raise unless the principal is in the RPC's audience."""
    audience = rule.audience
    if audience == access.PUBLIC:
        return
    if rule.denied:
        raise PermissionDenied(f"{rule.method} declares no access rule", reason="NO_ACCESS_RULE")
    if principal.kind == "anonymous":
        raise Unauthenticated("sign in first", reason="SIGN_IN_REQUIRED")
    roles = principal.roles
    by_audience: dict[int, bool] = {
        access.USER: principal.kind in ("user", "service"),
        access.SUPPORT: bool(roles & {"support", "admin"}),
        access.ADMIN: "admin" in roles,
        access.SERVICE: principal.kind == "service" or "admin" in roles,
    }
    if not by_audience.get(audience, False):
        raise PermissionDenied("your role may not call this", reason="ROLE_NOT_ALLOWED")
    if principal.kind == "service" and not scope_allows(principal.scopes, rule.method):
        needed = required_scope(rule.method)
        raise PermissionDenied(
            f"this key's scopes do not include {needed}",
            reason="SCOPE_NOT_ALLOWED",
            metadata={"required_scope": needed},
        )


def require_verified_email(principal: Principal) -> None:
    """For money-moving calls (billing, investment): FailedPrecondition (EMAIL_NOT_VERIFIED) for a
    user whose token says the email is not verified yet. Services are not users and pass.

    The claim is `email_verified` in the access token; after VerifyEmail the client refreshes its
    tokens to get one that says true."""
    if principal.kind == "user" and not principal.email_verified:
        raise FailedPrecondition(
            "verify your email address first",
            reason="EMAIL_NOT_VERIFIED",
            metadata={"claim": "email_verified"},
        )
