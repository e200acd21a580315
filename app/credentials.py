"""Service credentials (x-api-key) the composition root accepts."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from core.auth import CredentialVerifier
from core.principal import Principal
from core.settings import Settings


def internal_api_key(settings: Settings) -> str:
    """The key this deployment's services use between themselves: from settings, else a
    random one kept under the keys folder (0600), created on first use."""
    if settings.internal_api_key is not None:
        return settings.internal_api_key.get_secret_value()
    path: Path = settings.keys_dir / "internal_api_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = "tk_int_" + secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


class InternalKeyVerifier:
    """Accepts the deployment's internal key as the `internal` service."""

    def __init__(self, key: str) -> None:
        self._digest = hashlib.sha256(key.encode()).digest()

    async def verify_api_key(self, key: str) -> Principal | None:
        if hmac.compare_digest(hashlib.sha256(key.encode()).digest(), self._digest):
            return Principal(kind="service", subject="internal", scopes=frozenset({"*"}))
        return None


class FirstMatch:
    """Tries verifiers in order; the first that knows the key answers."""

    def __init__(self, verifiers: Sequence[CredentialVerifier]) -> None:
        self.verifiers = list(verifiers)

    async def verify_api_key(self, key: str) -> Principal | None:
        for verifier in self.verifiers:
            principal = await verifier.verify_api_key(key)
            if principal is not None:
                return principal
        return None
