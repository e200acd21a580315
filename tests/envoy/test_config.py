"""The rendered Envoy config: path templates, token rules from the access options, routes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from app.envoy import (
    JWT_PROVIDER,
    envoy_binary,
    jwt_rules,
    render_envoy_config,
    rpc_routes,
    template_regex,
    trading_services,
)
from core.settings import Settings
from tests.envoy.gateway_harness import DESCRIPTOR

ROOT = Path(__file__).resolve().parents[2]
AUDIENCE_PUBLIC, AUDIENCE_USER, AUDIENCE_SERVICE = 1, 2, 5


@pytest.mark.parametrize(
    ("template", "matches", "refuses"),
    [
        ("/auth/me", ["/auth/me", "/auth/me/"], ["/auth/me/x", "/auth/mex"]),
        ("/education/quizzes/{id}/submit", ["/education/quizzes/q1/submit"], ["/education/quizzes/submit"]),
        ("/trading/candles/{symbol}", ["/trading/candles/EURUSD"], ["/trading/candles/EUR/USD"]),
        ("/models/{name}:predict", ["/models/range:predict"], ["/models/range", "/models/a/b:predict"]),
        ("/files/{path=docs/**}", ["/files/docs/a/b.txt"], ["/files/img/a.png"]),
        ("/v1/{name=shelves/*}/books", ["/v1/shelves/s1/books"], ["/v1/shelves/s1/x/books"]),
        ("/a/*/b", ["/a/x/b"], ["/a/b"]),
    ],
)
def test_template_regex_matches_the_paths_the_template_matches(
    template: str, matches: list[str], refuses: list[str]
) -> None:
    pattern = re.compile(template_regex(template))
    assert all(pattern.fullmatch(p) for p in matches)
    assert not any(pattern.fullmatch(p) for p in refuses)


def _rules_for(grpc_path: str, rules: list[dict]) -> list[dict]:
    routes = {r.grpc_path: r for r in rpc_routes(DESCRIPTOR, trading_services(DESCRIPTOR))}
    rpc = routes[grpc_path]
    regexes = {template_regex(b.template) for b in rpc.bindings}
    return [
        r
        for r in rules
        if r["match"].get("path") == grpc_path or r["match"].get("safe_regex", {}).get("regex") in regexes
    ]


@pytest.fixture(scope="module")
def all_rules() -> list[dict]:
    return jwt_rules(rpc_routes(DESCRIPTOR, trading_services(DESCRIPTOR)))


def test_every_rpc_has_a_rule_for_its_grpc_path_and_each_rest_binding(all_rules: list[dict]) -> None:
    for rpc in rpc_routes(DESCRIPTOR, trading_services(DESCRIPTOR)):
        assert {"path": rpc.grpc_path} in [r["match"] for r in all_rules]
        assert len(_rules_for(rpc.grpc_path, all_rules)) >= 1 + len(rpc.bindings)


def test_public_rpcs_need_no_token_and_user_rpcs_need_one(all_rules: list[dict]) -> None:
    for rpc in rpc_routes(DESCRIPTOR, trading_services(DESCRIPTOR)):
        requirements = [r.get("requires") for r in all_rules if r["match"].get("path") == rpc.grpc_path]
        if rpc.audience == AUDIENCE_PUBLIC:
            assert requirements == [None], rpc.grpc_path
        elif rpc.audience == AUDIENCE_SERVICE:
            either = {
                "requires_any": {"requirements": [{"provider_name": JWT_PROVIDER}, {"allow_missing": {}}]}
            }
            assert requirements == [either], rpc.grpc_path
        else:
            assert requirements == [{"provider_name": JWT_PROVIDER}], rpc.grpc_path


def test_rest_rules_match_the_http_method_too(all_rules: list[dict]) -> None:
    rest = [r for r in all_rules if "safe_regex" in r["match"]]
    assert rest
    for rule in rest:
        assert rule["match"]["headers"][0]["name"] == ":method"


def test_a_service_missing_from_the_descriptor_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"trading\.nothing\.v1\.Nope"):
        rpc_routes(DESCRIPTOR, ["trading.nothing.v1.Nope"])


def _config() -> dict:
    return render_envoy_config(
        Settings.model_construct(), Path("gen/descriptor.binpb"), trading_services(DESCRIPTOR)
    )


def _routes(config: dict) -> list[dict]:
    manager = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    return manager["route_config"]["virtual_hosts"][0]["routes"]


def test_streaming_rpcs_have_no_request_timeout_and_unary_ones_do() -> None:
    routes = _routes(_config())
    stream = next(
        r for r in routes if r["match"].get("path") == "/trading.market.v1.MarketService/StreamPrices"
    )
    unary = next(r for r in routes if r["match"].get("prefix") == "/trading.market.v1.MarketService/")
    assert stream["route"]["timeout"] == "0s"
    assert unary["route"]["timeout"] != "0s"
    assert routes.index(stream) < routes.index(unary)


def test_websocket_upgrade_is_allowed_on_ws_and_the_seeds_stream_paths_only() -> None:
    upgraded = [r for r in _routes(_config()) if "upgrade_configs" in r["route"]]
    assert upgraded[0]["match"] == {"path": "/ws"}
    streams = upgraded[1:]
    assert [r["match"]["safe_regex"]["regex"] for r in streams] == ["/trading/stream/[^/]+/?", "/ws/[^/]+/?"]
    for route in streams:  # only an upgrade request; a plain GET stays the transcoded, token-checked stream
        assert route["match"]["headers"][0]["name"] == "upgrade"
        assert route["route"]["cluster"] == "edge"


def test_bodies_are_buffered_up_to_the_limit_except_on_upgraded_routes() -> None:
    config = _config()
    manager = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    [buffer] = [f for f in manager["http_filters"] if f["name"] == "envoy.filters.http.buffer"]
    assert buffer["typed_config"]["max_request_bytes"] == Settings.model_construct().max_message_bytes
    for route in _routes(config):
        disabled = (
            route.get("typed_per_filter_config", {}).get("envoy.filters.http.buffer", {}).get("disabled")
        )
        assert bool(disabled) == ("upgrade_configs" in route["route"]), route["match"]


def test_admin_listens_on_loopback_only() -> None:
    assert _config()["admin"]["address"]["socket_address"]["address"] == "127.0.0.1"


def test_split_run_sends_each_domain_to_its_own_address() -> None:
    settings = Settings.model_construct(service_addresses={"market": "10.0.0.5:50051"})
    config = render_envoy_config(settings, DESCRIPTOR, trading_services(DESCRIPTOR))
    market = next(
        r for r in _routes(config) if r["match"].get("prefix") == "/trading.market.v1.MarketService/"
    )
    auth = next(r for r in _routes(config) if r["match"].get("prefix") == "/trading.auth.v1.AuthService/")
    assert market["route"]["cluster"] != auth["route"]["cluster"]
    clusters = {c["name"]: c for c in config["static_resources"]["clusters"]}
    endpoint = clusters[market["route"]["cluster"]]["load_assignment"]["endpoints"][0]["lb_endpoints"][0]
    assert endpoint["endpoint"]["address"]["socket_address"] == {"address": "10.0.0.5", "port_value": 50051}


def test_committed_envoy_yaml_is_what_the_contracts_render() -> None:
    committed = yaml.safe_load((ROOT / "envoy.yaml").read_text())
    assert committed == _config(), "envoy.yaml is stale: run `python -m app.envoy`"


@pytest.mark.envoy
def test_envoy_accepts_the_committed_config() -> None:
    result = subprocess.run(
        [envoy_binary(), "--mode", "validate", "-c", "envoy.yaml", "--base-id", "4242"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]


def _virtual_host(config: dict) -> dict:
    manager = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    return manager["route_config"]["virtual_hosts"][0]


def test_the_proxy_secret_replaces_whatever_a_client_sent() -> None:
    from pydantic import SecretStr

    settings = Settings.model_construct(proxy_secret=SecretStr("s3cret"))
    config = render_envoy_config(settings, Path("gen/descriptor.binpb"), trading_services(DESCRIPTOR))
    [added] = _virtual_host(config)["request_headers_to_add"]
    assert added == {
        "header": {"key": "x-trading-proxy-secret", "value": "s3cret"},
        "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
    }
    assert _virtual_host(_config())["request_headers_to_add"] == []
