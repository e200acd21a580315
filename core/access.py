"""Access rules of RPCs, read from the `trading.common.v1.access` method option."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pool
from trading.common.v1 import access_pb2

# Infrastructure services every server runs; anyone may call them.
OPEN_SERVICES = frozenset(
    {
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
        "grpc.reflection.v1.ServerReflection",
    }
)

PUBLIC: int = access_pb2.AUDIENCE_PUBLIC
USER: int = access_pb2.AUDIENCE_USER
SUPPORT: int = access_pb2.AUDIENCE_SUPPORT
ADMIN: int = access_pb2.AUDIENCE_ADMIN
SERVICE: int = access_pb2.AUDIENCE_SERVICE
UNSPECIFIED: int = access_pb2.AUDIENCE_UNSPECIFIED


@dataclass(frozen=True)
class AccessRule:
    """Who may call one RPC and which quota it counts against."""

    method: str  # "/pkg.Service/Method"
    audience: int
    quota: str = ""
    idempotent: bool = False
    server_streaming: bool = False

    @property
    def denied(self) -> bool:
        return self.audience == UNSPECIFIED


def split_method(full_method: str) -> tuple[str, str]:
    """ "/trading.auth.v1.AuthService/Login" -> ("trading.auth.v1.AuthService", "Login")."""
    service, _, method = full_method.lstrip("/").partition("/")
    return service, method


@lru_cache(maxsize=4096)
def rule_for(full_method: str) -> AccessRule:
    """The rule of an RPC; a method without an access option gets a rule that denies it."""
    service, method = split_method(full_method)
    if service in OPEN_SERVICES:
        return AccessRule(full_method, PUBLIC, idempotent=True)
    load_contracts()
    try:
        desc = descriptor_pool.Default().FindMethodByName(f"{service}.{method}")
    except KeyError:
        return AccessRule(full_method, UNSPECIFIED)
    options = desc.GetOptions()
    access: Any = options.Extensions[access_pb2.access]  # type: ignore[index]
    return AccessRule(
        full_method,
        access.audience,
        access.quota,
        idempotent=_is_idempotent(options),
        server_streaming=desc.server_streaming,
    )


@cache
def load_contracts() -> list[str]:
    """Import every generated `trading.*` module once, so every service descriptor is in the pool.

    (A `_pb2_grpc` module imports only its messages' module, not the file declaring the service.)
    """
    import trading

    loaded = []
    for root in map(Path, trading.__path__):  # a namespace package: walk the files
        for file in sorted(root.rglob("*_pb2.py")):
            name = ".".join(("trading", *file.relative_to(root).with_suffix("").parts))
            importlib.import_module(name)
            loaded.append(name)
    return loaded


def _is_idempotent(options) -> bool:
    from google.api import annotations_pb2

    if options.idempotency_level in (options.NO_SIDE_EFFECTS, options.IDEMPOTENT):
        return True
    http = options.Extensions[annotations_pb2.http]
    return bool(http.get)


def methods_of(service_full_name: str) -> list[str]:
    """ "/svc/Method" paths of every RPC of a service registered in the descriptor pool."""
    load_contracts()
    svc = descriptor_pool.Default().FindServiceByName(service_full_name)
    return [f"/{service_full_name}/{m.name}" for m in svc.methods]
