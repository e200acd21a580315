"""The services the platform is made of, by name."""

from __future__ import annotations

import importlib

from core.service import ServiceSpec

# Order matters for the first start: auth first (keys, admin), market before inference (bars
# before models), broker after market (prices).
SERVICE_PACKAGES: dict[str, str] = {
    "auth": "svc_auth",
    "education": "svc_education",
    "market": "svc_market",
    "inference": "svc_inference",
    "broker": "svc_broker",
    "billing": "svc_billing",
    "agent": "svc_agent",
}


def load_spec(name: str) -> ServiceSpec:
    """The ServiceSpec a service package exports as SERVICE."""
    if name not in SERVICE_PACKAGES:
        raise KeyError(f"unknown service {name!r}; known: {', '.join(SERVICE_PACKAGES)}")
    module = importlib.import_module(SERVICE_PACKAGES[name])
    spec: ServiceSpec = module.SERVICE
    return spec


def load_specs(names: list[str] | None = None) -> list[ServiceSpec]:
    return [load_spec(n) for n in (names or list(SERVICE_PACKAGES))]
