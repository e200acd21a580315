"""Signing keys for access tokens: Ed25519 (EdDSA) JWTs with a `kid`, published as a JWKS.

Keys live as PEM files named `<created unix ms>-<kid>.pem` in one directory (0700, files 0600),
so every process of a split run reads the same set and no metadata file can disagree with the
keys. A key's life follows from its creation time alone:

- published: from creation it is in the JWKS and verifies;
- signing: from `publish_delay_s` after creation (longer than Envoy caches the JWKS), so no
  verifier meets a `kid` it has not fetched yet; the very first key signs at once;
- retired: `overlap_s` after its successor started signing (longer than an access token lives),
  it leaves the JWKS and stops verifying.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.clock import Clock
from core.errors import Unauthenticated

ALGORITHM = "EdDSA"
TOKEN_TYPE = "at+jwt"  # RFC 9068 header typ of an access token
TOKEN_USE = "access"
_RELOAD_EVERY_S = 5.0
VERIFIED_CACHE_SIZE = 10_000  # access tokens whose signature was checked, newest kept


@dataclass(frozen=True)
class SigningKey:
    """One Ed25519 key pair and when it was created."""

    kid: str
    private: Ed25519PrivateKey
    created: datetime

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    def jwk(self) -> dict[str, str]:
        return {"kty": "OKP", "crv": "Ed25519", "x": _public_x(self.public), "kid": self.kid,
                "alg": ALGORITHM, "use": "sig"}  # fmt: skip


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _public_x(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _b64url(raw)


def thumbprint(public: Ed25519PublicKey) -> str:
    """The RFC 7638 JWK thumbprint, used as the kid."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _public_x(public)}, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def _fail(reason: str, message: str) -> Unauthenticated:
    return Unauthenticated(message, reason=reason)


class KeyStore:
    """The platform's key provider: signs and verifies access tokens, publishes the JWKS."""

    def __init__(
        self,
        directory: Path | None,
        issuer: str,
        audience: str,
        clock: Clock,
        *,
        access_ttl_s: int = 900,
        overlap_s: int = 3600,
        publish_delay_s: int = 90,
        leeway_s: int = 5,
    ) -> None:
        self.directory = directory
        self.issuer = issuer
        self.audience = audience
        self.clock = clock
        self.access_ttl_s = access_ttl_s
        self.overlap_s = overlap_s
        self.publish_delay_s = publish_delay_s
        self.leeway_s = leeway_s
        self._keys: list[SigningKey] = []  # oldest first
        self._verified: dict[str, tuple[str, dict[str, Any]]] = {}  # token -> (kid, claims)
        self._lock = threading.Lock()
        self._loaded_at = float("-inf")
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            directory.chmod(0o700)
            self._load()

    @classmethod
    def ephemeral(cls, issuer: str, audience: str, clock: Clock, **kwargs: Any) -> KeyStore:
        """A key store that lives in memory only (tests, throwaway runs)."""
        return cls(None, issuer, audience, clock, **kwargs)

    # keys

    def _load(self) -> None:
        assert self.directory is not None
        keys = []
        for path in sorted(self.directory.glob("*.pem")):
            created_ms, _, kid = path.stem.partition("-")
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(private, Ed25519PrivateKey) or thumbprint(private.public_key()) != kid:
                continue
            created = datetime.fromtimestamp(int(created_ms) / 1000, UTC)
            keys.append(SigningKey(kid, private, created))
        keys.sort(key=lambda k: k.created)
        self._keys = keys
        self._loaded_at = time.monotonic()

    def _write(self, key: SigningKey) -> None:
        assert self.directory is not None
        pem = key.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        name = f"{int(key.created.timestamp() * 1000):013d}-{key.kid}.pem"
        fd = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)

    def _new_key(self) -> SigningKey:
        private = Ed25519PrivateKey.generate()
        key = SigningKey(thumbprint(private.public_key()), private, self.clock.now())
        if self.directory is not None:
            self._write(key)
        self._keys.append(key)
        return key

    def _signs_from(self, index: int) -> datetime:
        """When key `index` (oldest first) starts signing: at once for the first key ever."""
        key = self._keys[index]
        return key.created if index == 0 else key.created + timedelta(seconds=self.publish_delay_s)

    def active(self) -> SigningKey:
        """The key that signs new tokens now: the newest one published long enough; generated on
        first use."""
        with self._lock:
            if not self._keys:
                self._new_key()
            now = self.clock.now()
            for i in range(len(self._keys) - 1, 0, -1):
                if self._signs_from(i) <= now:
                    return self._keys[i]
            return self._keys[0]

    def rotate(self) -> SigningKey:
        """Publish a new key now; it signs once `publish_delay_s` has passed (until then the
        current key goes on signing), and the current key keeps verifying for `overlap_s` after
        that."""
        with self._lock:
            if not self._keys:
                self._new_key()  # the first key signs at once; the rotation replaces it
            return self._new_key()

    def _verifying_keys(self) -> list[SigningKey]:
        """Published keys not yet retired (pending ones included: they are in the JWKS)."""
        now = self.clock.now()
        live = []
        for i, key in enumerate(self._keys):
            if i + 1 == len(self._keys):
                live.append(key)
                continue
            retires = self._signs_from(i + 1) + timedelta(seconds=self.overlap_s)
            if now <= retires:
                live.append(key)
        return live

    def _find(self, kid: str) -> SigningKey | None:
        for key in self._verifying_keys():
            if key.kid == kid:
                return key
        if self.directory is not None and time.monotonic() - self._loaded_at > _RELOAD_EVERY_S:
            with self._lock:
                self._load()  # another process may have rotated
            return next((k for k in self._verifying_keys() if k.kid == kid), None)
        return None

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public keys that verify tokens now, as a JWK set."""
        self.active()
        return {"keys": [k.jwk() for k in reversed(self._verifying_keys())]}

    # tokens

    def sign_access_token(self, claims: Mapping[str, Any]) -> str:
        """A signed access JWT: `claims` plus iss, aud, iat, nbf, exp, jti and token_use."""
        key = self.active()
        now = int(self.clock.now().timestamp())
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + self.access_ttl_s,
            "jti": uuid.uuid4().hex,
            "token_use": TOKEN_USE,
        }
        payload.update(claims)
        headers = {"kid": key.kid, "typ": TOKEN_TYPE}
        return jwt.encode(payload, key.private, algorithm=ALGORITHM, headers=headers)

    def verify_access_token(self, token: str) -> dict[str, Any]:
        """The claims of a valid access token, else Unauthenticated with a stable reason. A token
        seen before is not decoded and its signature not checked again (a user sends the same one
        with every call until it expires): its key must still verify and its times hold now."""
        seen = self._verified.get(token)
        if seen is not None and self._find(seen[0]) is not None:
            self._check_times(seen[1])
            return copy.deepcopy(seen[1])
        kid, claims = self._verify(token)
        with self._lock:
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.pop(next(iter(self._verified)))  # the oldest
            self._verified[token] = (kid, claims)
        return copy.deepcopy(claims)

    def _verify(self, token: str) -> tuple[str, dict[str, Any]]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as e:
            raise _fail("TOKEN_MALFORMED", "the token is not a JWT") from e
        if header.get("alg") != ALGORITHM:
            raise _fail("TOKEN_ALGORITHM_NOT_ALLOWED", "the token's algorithm is not accepted")
        if header.get("typ") != TOKEN_TYPE:
            raise _fail("TOKEN_WRONG_TYPE", "the token is not an access token")
        key = self._find(str(header.get("kid", "")))
        if key is None:
            raise _fail("TOKEN_UNKNOWN_KEY", "the token was signed by an unknown key")
        claims = self._decode(token, key)
        self._check_times(claims)
        if claims.get("token_use") != TOKEN_USE:
            raise _fail("TOKEN_WRONG_TYPE", "the token is not an access token")
        return key.kid, claims

    def _decode(self, token: str, key: SigningKey) -> dict[str, Any]:
        options: Any = {
            "verify_exp": False,  # checked against self.clock below
            "verify_nbf": False,
            "verify_iat": False,
            "require": ["exp", "iat", "sub", "jti", "iss", "aud"],
        }
        try:
            return jwt.decode(token, key.public, algorithms=[ALGORITHM], audience=self.audience,
                              issuer=self.issuer, options=options)  # fmt: skip
        except jwt.InvalidAudienceError as e:
            raise _fail("TOKEN_BAD_AUDIENCE", "the token is for another audience") from e
        except jwt.InvalidIssuerError as e:
            raise _fail("TOKEN_BAD_ISSUER", "the token is from another issuer") from e
        except jwt.InvalidSignatureError as e:
            raise _fail("TOKEN_BAD_SIGNATURE", "the token's signature does not verify") from e
        except jwt.MissingRequiredClaimError as e:
            raise _fail("TOKEN_MALFORMED", f"the token lacks the {e.claim} claim") from e
        except jwt.PyJWTError as e:
            raise _fail("TOKEN_MALFORMED", "the token cannot be read") from e

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now = self.clock.now().timestamp()
        try:
            exp = float(claims["exp"])
            nbf = float(claims.get("nbf", claims["iat"]))
        except (TypeError, ValueError) as e:
            raise _fail("TOKEN_MALFORMED", "the token's times are not numbers") from e
        if now >= exp + self.leeway_s:
            raise _fail("TOKEN_EXPIRED", "the token has expired")
        if now < nbf - self.leeway_s:
            raise _fail("TOKEN_NOT_YET_VALID", "the token is not valid yet")
