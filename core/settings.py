"""The platform's typed settings, read from TRADING_* environment variables.

Defaults are the embedded all-in-one run: SQLite and keys under ./var, an in-process bus.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings shared by every service; services add their own classes for the rest."""

    model_config = SettingsConfigDict(env_prefix="TRADING_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str = ""
    redis_namespace: str = ""  # prefixes every Redis key and channel of this deployment
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 50051
    edge_port: int = 8081
    envoy_port: int = 8080
    envoy_admin_port: int = 9901
    # `trading serve` answers GET /metrics and /health here when set (the all-in-one: on the edge).
    metrics_port: int | None = None
    # OTLP/HTTP collector base URL (e.g. http://127.0.0.1:4318); empty: traces stay in the process.
    otlp_endpoint: str = ""
    # Envoy worker threads; 0 means half the cores (on a small box the Python server needs the rest).
    envoy_workers: int = 0
    # `trading up`'s server processes; 0: one per core. More than one needs Redis and PostgreSQL
    # (the embedded default runs one): docs/scale.md.
    workers: int = 0
    public_url: str = "http://localhost:8080"
    cors_origins: list[str] = ["http://localhost:8080", "http://localhost:5173"]
    jwt_issuer: str = "https://trading.local"
    jwt_audience: str = "trading-api"
    access_token_ttl_s: int = 900
    refresh_token_ttl_s: int = 7 * 24 * 3600
    # Key rotation: a new signing key is in the JWKS this long before it signs (more than Envoy's
    # 60 s JWKS cache), and a replaced key keeps verifying this long after its successor signs.
    # Every process must agree, so these are platform settings.
    jwt_key_publish_delay_s: int = 90
    jwt_key_overlap_s: int = 3600
    internal_api_key: SecretStr | None = None
    # Envoy adds this to every request it forwards (x-trading-proxy-secret, overwriting any value a
    # client sent), so services can believe its client-address header; `trading up` makes one per
    # run when unset.
    proxy_secret: SecretStr | None = None
    service_addresses: dict[str, str] = {}
    default_deadline_s: float = 5.0
    max_deadline_s: float = 60.0
    max_message_bytes: int = 8 * 1024 * 1024
    event_loop: str = "uvloop"  # or "asyncio"
    log_level: str = "INFO"
    log_json: bool = True

    @property
    def sqlite_dir(self) -> Path:
        return self.data_dir / "db"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.sqlite_dir}/main.sqlite"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    def address_of(self, service: str) -> str:
        """Where a service listens, as a gRPC target: its own address (or its replicas') in the
        split run, else the shared server."""
        listed = self.service_addresses.get(service)
        if not listed:
            return f"{self.grpc_host}:{self.grpc_port}"
        return grpc_target(split_addresses(listed))


def split_addresses(listed: str) -> list[str]:
    """ "a:50051, b:50051" -> ["a:50051", "b:50051"]: a domain's replicas in TRADING_SERVICE_ADDRESSES."""
    addresses = [a.strip() for a in listed.split(",") if a.strip()]
    for address in addresses:
        host, sep, port = address.rpartition(":")
        if not (sep and host and port.isdigit()):
            raise ValueError(f"not host:port: {address!r}")
    return addresses


def grpc_target(addresses: list[str]) -> str:
    """One address (or a DNS name with every replica) as it is; several IPv4 addresses as one
    `ipv4:` target, so a client fails over between them; several names: the first (give a
    DNS name that resolves to every replica instead)."""
    if len(addresses) == 1:
        return addresses[0]
    hosts = [a.rpartition(":")[0] for a in addresses]
    if all(h.replace(".", "").isdigit() for h in hosts):
        return "ipv4:" + ",".join(addresses)
    return addresses[0]
