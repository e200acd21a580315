"""Envoy for the split run: one cluster per domain, every replica of a domain an endpoint.

The all-in-one config (`app.envoy.render_envoy_config`) groups domains by address; here each
domain (`trading.<domain>.v1.*`) gets its own cluster whose endpoints are the addresses
`TRADING_SERVICE_ADDRESSES` lists for it ("10.0.0.5:50051,10.0.0.6:50051"), or a DNS name that
resolves to every replica (a Kubernetes headless Service). Envoy balances the calls round robin
and drops a replica whose gRPC health check fails, so one stopped replica costs no errors. The
edge's cluster likewise takes every edge replica: a name that resolves to each, or a list.
"""

from __future__ import annotations

import copy
import ipaddress
from pathlib import Path
from typing import Any

from app import envoy
from core.settings import Settings, split_addresses

# In a rendered config that goes into a ConfigMap, Envoy reads the proxy secret from its own
# environment (set from a Kubernetes Secret), so the secret is never written into the config.
PROXY_SECRET_FROM_ENV = "%ENVIRONMENT(TRADING_PROXY_SECRET)%"


def domain_cluster_name(domain: str) -> str:
    return f"svc_{domain}"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def domain_cluster(name: str, addresses: list[str]) -> dict[str, Any]:
    """A health-checked HTTP/2 cluster over `addresses` (IPs: STATIC; names: STRICT_DNS, every
    address a name resolves to becomes an endpoint)."""
    cluster = envoy._cluster(name, addresses[0], http2=True, health_check=True)
    hosts = [a.rpartition(":") for a in addresses]
    cluster["type"] = "STATIC" if all(_is_ip(h) for h, _, _ in hosts) else "STRICT_DNS"
    cluster["lb_policy"] = "ROUND_ROBIN"
    cluster["load_assignment"]["endpoints"] = [
        {"lb_endpoints": [{"endpoint": {"address": envoy._socket(h, int(p))}} for h, _, p in hosts]}
    ]
    # A replica that stops answering is ejected before its health check notices.
    cluster["outlier_detection"] = {"consecutive_gateway_failure": 2, "base_ejection_time": "10s"}
    cluster["common_lb_config"] = {"healthy_panic_threshold": {"value": 0}}
    cluster["health_checks"][0]["interval"] = "2s"
    cluster["health_checks"][0]["unhealthy_threshold"] = 2
    return cluster


def edge_addresses(edge_host: str, edge_port: int) -> list[str]:
    """`host` (on `edge_port`) or `host:port`, comma-separated: every edge replica's address."""
    entries = [e.strip() for e in edge_host.split(",") if e.strip()]
    return [e if ":" in e else f"{e}:{edge_port}" for e in entries]


def edge_cluster(rendered: dict[str, Any], addresses: list[str]) -> dict[str, Any]:
    """The edge's HTTP/1 cluster over every edge replica, round robin; one that refuses
    connections is ejected (each WebSocket is one request: a new one lands on a live replica)."""
    cluster = copy.deepcopy(rendered)
    hosts = [a.rpartition(":") for a in addresses]
    cluster["type"] = "STATIC" if all(_is_ip(h) for h, _, _ in hosts) else "STRICT_DNS"
    cluster["lb_policy"] = "ROUND_ROBIN"
    cluster["load_assignment"]["endpoints"] = [
        {"lb_endpoints": [{"endpoint": {"address": envoy._socket(h, int(p))}} for h, _, p in hosts]}
    ]
    if len(addresses) > 1:
        cluster["outlier_detection"] = {"consecutive_gateway_failure": 2, "base_ejection_time": "10s"}
    return cluster


def render_split_config(
    settings: Settings,
    descriptor_path: Path,
    services: list[str],
    *,
    edge_host: str = "127.0.0.1",
    listen_host: str = "0.0.0.0",
    secret_from_env: bool = False,
    descriptor_at: str | None = None,
) -> dict[str, Any]:
    """The gateway's bootstrap for the split run; every domain of `services` must have an address
    in `settings.service_addresses`. `descriptor_at`: where Envoy finds the descriptor set when it
    runs elsewhere (the container image's path, for a ConfigMap)."""
    domains = sorted({s.split(".")[1] for s in services})
    edges = edge_addresses(edge_host, settings.edge_port)
    edge_host = edges[0].rpartition(":")[0]
    missing = [d for d in domains if d not in settings.service_addresses]
    if missing:
        raise ValueError(f"TRADING_SERVICE_ADDRESSES has no address for: {', '.join(missing)}")
    config = envoy.render_envoy_config(
        settings, descriptor_path, services, edge_host=edge_host, listen_host=listen_host
    )
    resources = config["static_resources"]
    old_clusters = {c["name"] for c in resources["clusters"] if c["name"] != "edge"}
    manager = resources["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    vhost = manager["route_config"]["virtual_hosts"][0]
    for route in vhost["routes"]:
        target = route.get("route", {})
        if target.get("cluster") not in old_clusters:
            continue
        path = route["match"].get("path") or route["match"].get("prefix", "")
        service = path.strip("/").split("/")[0]
        domain = service.split(".")[1] if service.startswith(envoy.SERVICES_PREFIX) else "platform"
        target["cluster"] = domain_cluster_name(domain if domain in domains else domains[0])
    if descriptor_at is not None:
        for http_filter in manager["http_filters"]:
            if http_filter["name"] == "envoy.filters.http.grpc_json_transcoder":
                http_filter["typed_config"]["proto_descriptor"] = descriptor_at
    if secret_from_env:
        headers = vhost.get("request_headers_to_add") or []
        for header in headers:
            if header["header"]["key"] == envoy.PROXY_SECRET_HEADER:
                header["header"]["value"] = PROXY_SECRET_FROM_ENV
        if not headers:
            header = {"key": envoy.PROXY_SECRET_HEADER, "value": PROXY_SECRET_FROM_ENV}
            vhost["request_headers_to_add"] = [
                {"header": header, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}
            ]
    edge = [edge_cluster(c, edges) for c in resources["clusters"] if c["name"] == "edge"]
    resources["clusters"] = [
        domain_cluster(domain_cluster_name(d), split_addresses(settings.service_addresses[d]))
        for d in domains
    ] + copy.deepcopy(edge)
    return config
