"""Which address a caller is: the gRPC peer, or the address a trusted proxy says it forwarded
for. Per-address limits (sign-up, failed sign-ins) count against this address."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from svc_auth.config import AuthSettings


@dataclass(frozen=True)
class ProxyTrust:
    """When a proxy's forwarded-for header is believed: the peer is one of `proxies` and it
    presents `secret` in `secret_header`. Without a secret the header is never believed, in any
    run mode: any process that reaches the port could otherwise name any address."""

    header: str
    proxies: frozenset[str]
    secret: str = ""
    secret_header: str = "x-trading-proxy-secret"

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> ProxyTrust:
        return cls(
            settings.client_ip_header,
            frozenset(settings.trusted_proxies),
            settings.proxy_secret.get_secret_value(),
            settings.proxy_secret_header,
        )


def peer_host(peer: str) -> str:
    """ "ipv4:10.0.0.1:5000" -> "10.0.0.1"; "ipv6:[::1]:5000" -> "::1"; anything else as is."""
    kind, _, rest = peer.partition(":")
    return rest.rsplit(":", 1)[0].strip("[]") if kind in ("ipv4", "ipv6") else peer


def client_address(peer: str, metadata: Iterable[tuple[str, object]], trust: ProxyTrust) -> str:
    """The caller's IP: the proxy's header when the peer is a trusted proxy that also presents
    the secret, else the peer."""
    host = peer_host(peer)
    if host not in trust.proxies or not trust.secret:
        return host
    pairs = [(k, str(v)) for k, v in metadata]
    presented = next((v for k, v in pairs if k == trust.secret_header), "")
    if not hmac.compare_digest(presented.encode(), trust.secret.encode()):
        return host
    for key, value in pairs:
        if key == trust.header and value:
            forwarded = value.split(",")[0].strip()
            try:
                return str(ipaddress.ip_address(forwarded))
            except ValueError:
                break
    return host
