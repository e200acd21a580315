"""Settings and the gateway's config for the split run: every domain its own cluster, every replica
an endpoint, health-checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from app.descriptors import load_service_descriptors, missing_descriptors
from app.envoy import PROXY_SECRET_HEADER, trading_services
from app.envoy_split import PROXY_SECRET_FROM_ENV, domain_cluster_name, render_split_config
from app.split_cli import register_split
from core.settings import Settings, grpc_target, split_addresses

DESCRIPTOR = Path(__file__).resolve().parents[2] / "gen" / "descriptor.binpb"
SERVICES = trading_services(DESCRIPTOR)
DOMAINS = sorted({s.split(".")[1] for s in SERVICES})


def settings_with(addresses: dict[str, str], **extra: Any) -> Settings:
    return Settings.model_construct(service_addresses=addresses, **extra)


def clusters_of(config: dict) -> dict[str, dict]:
    return {c["name"]: c for c in config["static_resources"]["clusters"]}


def routes_of(config: dict) -> list[dict]:
    manager = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    return manager["route_config"]["virtual_hosts"][0]["routes"]


def test_addresses_split_and_become_grpc_targets() -> None:
    assert split_addresses(" 10.0.0.5:50051, 10.0.0.6:50051 ") == ["10.0.0.5:50051", "10.0.0.6:50051"]
    assert grpc_target(["10.0.0.5:50051", "10.0.0.6:50051"]) == "ipv4:10.0.0.5:50051,10.0.0.6:50051"
    assert grpc_target(["broker:50051"]) == "broker:50051"
    settings = settings_with({"broker": "10.0.0.5:1,10.0.0.6:1"}, grpc_host="127.0.0.1", grpc_port=7)
    assert settings.address_of("broker") == "ipv4:10.0.0.5:1,10.0.0.6:1"
    assert settings.address_of("market") == "127.0.0.1:7"


@pytest.mark.parametrize("bad", ["broker", "broker:", ":50051", "a:1,b"])
def test_an_address_without_a_port_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="host:port"):
        split_addresses(bad)


def test_every_domain_gets_its_own_health_checked_cluster_over_its_replicas() -> None:
    addresses = {d: f"10.0.1.{i}:50051,10.0.2.{i}:50051" for i, d in enumerate(DOMAINS)}
    addresses["market"] = "market.trading.svc:50051"
    config = render_split_config(settings_with(addresses), DESCRIPTOR, SERVICES)
    clusters = clusters_of(config)
    assert set(clusters) == {domain_cluster_name(d) for d in DOMAINS} | {"edge"}
    broker = clusters["svc_broker"]
    endpoints = broker["load_assignment"]["endpoints"][0]["lb_endpoints"]
    assert [e["endpoint"]["address"]["socket_address"]["address"] for e in endpoints] == [
        f"10.0.1.{DOMAINS.index('broker')}",
        f"10.0.2.{DOMAINS.index('broker')}",
    ]
    assert broker["type"] == "STATIC"
    assert broker["health_checks"][0]["grpc_health_check"] == {}
    assert clusters["svc_market"]["type"] == "STRICT_DNS"


def test_the_edge_cluster_takes_every_edge_replica() -> None:
    settings = settings_with({d: f"{d}:50051" for d in DOMAINS})
    one = clusters_of(render_split_config(settings, DESCRIPTOR, SERVICES, edge_host="edge"))["edge"]
    assert one["type"] == "STRICT_DNS"  # a Kubernetes Service name: every ready replica
    [endpoint] = one["load_assignment"]["endpoints"][0]["lb_endpoints"]
    assert endpoint["endpoint"]["address"]["socket_address"] == {
        "address": "edge",
        "port_value": settings.edge_port,
    }

    listed = render_split_config(settings, DESCRIPTOR, SERVICES, edge_host="127.0.0.1:7001,127.0.0.1:7002")
    edge = clusters_of(listed)["edge"]
    endpoints = edge["load_assignment"]["endpoints"][0]["lb_endpoints"]
    assert [e["endpoint"]["address"]["socket_address"]["port_value"] for e in endpoints] == [7001, 7002]
    assert (edge["type"], edge["lb_policy"]) == ("STATIC", "ROUND_ROBIN")
    assert "outlier_detection" in edge


def test_each_route_goes_to_its_domain() -> None:
    config = render_split_config(settings_with({d: f"{d}:50051" for d in DOMAINS}), DESCRIPTOR, SERVICES)
    seen = 0
    for route in routes_of(config):
        path = route["match"].get("path") or route["match"].get("prefix", "")
        cluster = route["route"]["cluster"]
        if path.startswith("/trading."):
            assert cluster == domain_cluster_name(path.split(".")[1]), path
            seen += 1
        elif path.startswith("/grpc."):
            assert cluster == "svc_platform", path
    assert seen > len(DOMAINS)


def test_a_domain_without_an_address_is_refused() -> None:
    addresses = {d: f"{d}:50051" for d in DOMAINS if d != "platform"}
    with pytest.raises(ValueError, match="platform"):
        render_split_config(settings_with(addresses), DESCRIPTOR, SERVICES)


def test_the_proxy_secret_is_written_or_read_from_the_environment() -> None:
    settings = settings_with({d: f"{d}:50051" for d in DOMAINS}, proxy_secret=SecretStr("s3cret"))

    def secret_header(config: dict) -> str:
        manager = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
        headers = manager["route_config"]["virtual_hosts"][0]["request_headers_to_add"]
        return next(h["header"]["value"] for h in headers if h["header"]["key"] == PROXY_SECRET_HEADER)

    assert secret_header(render_split_config(settings, DESCRIPTOR, SERVICES)) == "s3cret"
    from_env = render_split_config(
        settings, DESCRIPTOR, SERVICES, secret_from_env=True, descriptor_at="/x.bin"
    )
    assert secret_header(from_env) == PROXY_SECRET_FROM_ENV
    assert "s3cret" not in str(from_env)
    assert "/x.bin" in str(from_env)


def test_every_service_descriptor_loads_for_reflection() -> None:
    load_service_descriptors(SERVICES)
    assert missing_descriptors(SERVICES) == []
    assert missing_descriptors(["trading.nothing.v1.Nope"]) == ["trading.nothing.v1.Nope"]


def test_the_commands_parse() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    register_split(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["gateway", "--render", "x.yaml", "--edge-host", "edge", "--secret-from-env"])
    assert (args.render, args.edge_host, args.secret_from_env) == (Path("x.yaml"), "edge", True)
    assert parser.parse_args(["bootstrap", "market", "inference"]).services == ["market", "inference"]
