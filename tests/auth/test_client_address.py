"""Which address a caller is, from the peer and the metadata alone (no server needed)."""

from __future__ import annotations

from svc_auth.client_address import ProxyTrust, client_address, peer_host

TRUST = ProxyTrust("x-envoy-external-address", frozenset({"127.0.0.1"}), "s3cret")
FORWARDED = ("x-envoy-external-address", "203.0.113.9")


def test_peer_forms() -> None:
    assert peer_host("ipv4:10.0.0.1:5000") == "10.0.0.1"
    assert peer_host("ipv6:[::1]:5000") == "::1"
    assert peer_host("unix:/tmp/sock") == "unix:/tmp/sock"


def test_a_trusted_proxy_with_the_secret_is_believed() -> None:
    metadata = [("x-trading-proxy-secret", "s3cret"), FORWARDED]
    assert client_address("ipv4:127.0.0.1:1", metadata, TRUST) == "203.0.113.9"


def test_the_header_alone_is_not_believed() -> None:
    assert client_address("ipv4:127.0.0.1:1", [FORWARDED], TRUST) == "127.0.0.1"
    wrong = [("x-trading-proxy-secret", "guess"), FORWARDED]
    assert client_address("ipv4:127.0.0.1:1", wrong, TRUST) == "127.0.0.1"


def test_an_untrusted_peer_or_no_secret_is_the_peer() -> None:
    metadata = [("x-trading-proxy-secret", "s3cret"), FORWARDED]
    assert client_address("ipv4:10.9.9.9:1", metadata, TRUST) == "10.9.9.9"
    no_secret = ProxyTrust(TRUST.header, TRUST.proxies)
    assert client_address("ipv4:127.0.0.1:1", metadata, no_secret) == "127.0.0.1"


def test_a_forwarded_value_that_is_no_address_is_ignored() -> None:
    metadata = [("x-trading-proxy-secret", "s3cret"), ("x-envoy-external-address", "not-an-ip, 1.2.3.4")]
    assert client_address("ipv4:127.0.0.1:1", metadata, TRUST) == "127.0.0.1"
