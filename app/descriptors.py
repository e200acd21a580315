"""The contracts' descriptors loaded before a server starts, so reflection answers at once.

A `_pb2_grpc` module imports the message modules but not the one that declares the service, so
until something imports it (the first call does), grpcurl's `describe` finds no such symbol.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from google.protobuf import descriptor_pool


def load_service_descriptors(services: Iterable[str]) -> None:
    """Import every generated `_pb2` module of each service's package ("trading.market.v1")."""
    for package in sorted({name.rpartition(".")[0] for name in services}):
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue
        for info in pkgutil.iter_modules(module.__path__):
            if info.name.endswith("_pb2"):
                importlib.import_module(f"{package}.{info.name}")


def missing_descriptors(services: Iterable[str]) -> list[str]:
    """The services the default descriptor pool does not know (reflection cannot describe them)."""
    pool = descriptor_pool.Default()
    missing = []
    for name in services:
        try:
            pool.FindServiceByName(name)
        except KeyError:
            missing.append(name)
    return missing
