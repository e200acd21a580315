"""Clients to other services: generated stubs wrapped with deadlines, retries for idempotent
calls, a circuit breaker per target service, and the caller's identity passed on."""

from __future__ import annotations

import asyncio
import importlib
import ipaddress
import json
import random
import socket
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import grpc
from pydantic_settings import BaseSettings, SettingsConfigDict

from core import access, logs, metrics, tracing
from core.auth import current_bearer
from core.breaker import DEFAULT, ML_ENGINE, BreakerConfig, CircuitBreaker
from core.clock import Clock
from core.errors import Unavailable
from core.settings import Settings, split_addresses

if TYPE_CHECKING:
    from core.kv import KeyValue

RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE})
DEPENDENCY_FAULTS = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
    }
)
MAX_ATTEMPTS = 3
# Round robin over every address the target resolves to; a replica whose connection fails (gone,
# or closing it for shutdown) is skipped until it connects again.
ROUND_ROBIN = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})


def health_checked(grpc_service: str) -> str:
    """Round robin over a domain's replicas that also skips a replica whose gRPC health says the
    service is NOT_SERVING (draining for shutdown, or a dependency it needs is down), through the
    health Watch stream gRPC keeps open to each replica."""
    return json.dumps(
        {"loadBalancingConfig": [{"round_robin": {}}], "healthCheckConfig": {"serviceName": grpc_service}}
    )


def grpc_service_of(stub_cls: type) -> str:
    """The full gRPC service name a generated stub calls ("trading.market.v1.MarketService")."""
    messages = importlib.import_module(stub_cls.__module__.removesuffix("_grpc"))
    return str(messages.DESCRIPTOR.services_by_name[stub_cls.__name__.removesuffix("Stub")].full_name)


class BreakerSettings(BaseSettings):
    """The ML engine breaker's thresholds (seed 9.2: 5 failures, 30 s a call, 60 s open), as
    `TRADING_BREAKER_ML_ENGINE_*` so an operator (or a fault test) can tune them."""

    model_config = SettingsConfigDict(env_prefix="TRADING_BREAKER_", extra="ignore")

    ml_engine_failures: int = ML_ENGINE.failure_threshold
    ml_engine_timeout_s: float = ML_ENGINE.timeout_s
    ml_engine_reset_s: float = ML_ENGINE.reset_s

    def service_breakers(self) -> dict[str, BreakerConfig]:
        """Seed 9.2 thresholds of the platform's own services that have one; the rest get DEFAULT."""
        engine = BreakerConfig(self.ml_engine_failures, self.ml_engine_timeout_s, self.ml_engine_reset_s)
        return {"inference": engine}


def balanced_target(listed: str) -> str:
    """A domain's entry of TRADING_SERVICE_ADDRESSES as one gRPC target that reaches every replica:
    IP addresses as one `ipv4:`/`ipv6:` list; one name as `dns:///name:port` (a headless Service
    resolves to every ready replica, re-resolved as replicas come and go); several names resolved
    now into one address list."""
    addresses = split_addresses(listed)
    hosts = [a.rpartition(":")[0].strip("[]") for a in addresses]
    if len(addresses) == 1 and not _is_ip(hosts[0]):
        return f"dns:///{addresses[0]}"
    resolved: list[str] = []
    for address, host in zip(addresses, hosts, strict=True):
        port = address.rpartition(":")[2]
        ips = [host] if _is_ip(host) else _resolve(host, int(port))
        resolved.extend(f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}" for ip in ips)
    scheme = "ipv6" if all(a.startswith("[") for a in resolved) else "ipv4"
    if scheme == "ipv4":
        resolved = [a for a in resolved if not a.startswith("[")]
    return f"{scheme}:" + ",".join(dict.fromkeys(resolved))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_dependency_fault(exc: BaseException) -> bool:
    if isinstance(exc, grpc.aio.AioRpcError):
        return exc.code() in DEPENDENCY_FAULTS
    return isinstance(exc, TimeoutError | ConnectionError)


class ClientFactory:
    """Makes stubs to the platform's services; one channel per address, one breaker per service."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        *,
        api_key: str | None = None,
        breakers: dict[str, BreakerConfig] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or Clock()
        self.api_key = api_key
        self._breaker_configs = {**BreakerSettings().service_breakers(), **(breakers or {})}
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._breakers: dict[str, CircuitBreaker] = {}

    def target(self, service: str) -> str:
        """Where calls to `service` go: its replicas, balanced (the split run), or the shared server."""
        listed = self.settings.service_addresses.get(service)
        return balanced_target(listed) if listed else self.settings.address_of(service)

    def channel(
        self, service: str, grpc_service: str = "", *, this_process: bool = False
    ) -> grpc.aio.Channel:
        """The channel to `service`; where it has replicas of its own (TRADING_SERVICE_ADDRESSES) and
        `grpc_service` is named, one that skips the replicas not serving it. `this_process`: this
        process's own server, whatever its health says (a readiness check of its own)."""
        if this_process:
            address = f"{self.settings.grpc_host}:{self.settings.grpc_port}"
        else:
            address = self.target(service)
        checked = bool(grpc_service and not this_process and self.settings.service_addresses.get(service))
        key = f"{address}#{grpc_service}" if checked else address
        ch = self._channels.get(key)
        if ch is None:
            options = [
                ("grpc.max_receive_message_length", self.settings.max_message_bytes),
                ("grpc.max_send_message_length", self.settings.max_message_bytes),
                ("grpc.keepalive_time_ms", 30_000),
                ("grpc.service_config", health_checked(grpc_service) if checked else ROUND_ROBIN),
                # a dead replica is tried again soon after it comes back, not minutes later
                ("grpc.initial_reconnect_backoff_ms", 200),
                ("grpc.max_reconnect_backoff_ms", 2_000),
            ]
            ch = self._channels[key] = grpc.aio.insecure_channel(address, options=options)
        return ch

    def breaker(self, service: str) -> CircuitBreaker:
        b = self._breakers.get(service)
        if b is None:
            config = self._breaker_configs.get(service, DEFAULT)
            b = self._breakers[service] = CircuitBreaker(f"grpc:{service}", config, self.clock)
        return b

    def stub(self, stub_cls: type, service: str, *, this_process: bool = False) -> GuardedStub:
        """A stub of `stub_cls` to `service` ("market", "auth", ...). The channel opens on first
        use, so a stub made while services are being built reaches the address finally bound."""
        return GuardedStub(stub_cls, self, service, this_process=this_process)

    def metadata(self, *, as_user: bool) -> list[tuple[str, str]]:
        md = list(tracing.inject().items())
        rid = logs.request_id.get()
        if rid:
            md.append(("x-request-id", rid))
        bearer = current_bearer.get()
        if as_user and bearer:
            md.append(("authorization", bearer))
        elif self.api_key:
            md.append(("x-api-key", self.api_key))
        return md

    async def close(self) -> None:
        await asyncio.gather(*(ch.close() for ch in self._channels.values()))
        self._channels.clear()


class GuardedStub:
    """Calls `stub.Method(request, timeout=..., as_user=...)` with the chassis' policies."""

    def __init__(
        self, stub_cls: type, factory: ClientFactory, service: str, *, this_process: bool = False
    ) -> None:
        self._stub_cls = stub_cls
        self._stub: Any = None
        self._factory = factory
        self._service = service
        self._this_process = this_process

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._stub is None:
            channel = self._factory.channel(
                self._service, grpc_service_of(self._stub_cls), this_process=self._this_process
            )
            self._stub = self._stub_cls(channel)
        callable_ = getattr(self._stub, name)
        method = callable_._method.decode() if isinstance(callable_._method, bytes) else callable_._method
        rule = access.rule_for(method)
        if isinstance(callable_, grpc.aio.UnaryUnaryMultiCallable):
            return _UnaryCall(callable_, rule, self._factory, self._service)
        return _StreamCall(callable_, self._factory)


class _UnaryCall:
    def __init__(self, mc: Any, rule: access.AccessRule, factory: ClientFactory, service: str) -> None:
        self.mc, self.rule, self.factory, self.service = mc, rule, factory, service

    async def __call__(self, request: Any, *, timeout: float | None = None, as_user: bool = False) -> Any:
        deadline = timeout or self.factory.settings.default_deadline_s
        breaker = self.factory.breaker(self.service)
        attempts = MAX_ATTEMPTS if self.rule.idempotent else 1
        metadata = self.factory.metadata(as_user=as_user)
        for attempt in range(1, attempts + 1):
            try:
                return await breaker.call(
                    lambda: self.mc(request, timeout=deadline, metadata=metadata),
                    counts=_is_dependency_fault,
                    timeout_s=deadline + 0.5,
                )
            except grpc.aio.AioRpcError as err:
                if attempt == attempts or err.code() not in RETRYABLE:
                    raise
            await asyncio.sleep(0.05 * 2**attempt * random.uniform(0.5, 1.5))
        raise AssertionError("unreachable")


class _StreamCall:
    def __init__(self, mc: Any, factory: ClientFactory) -> None:
        self.mc, self.factory = mc, factory

    def __call__(self, request: Any, *, timeout: float | None = None, as_user: bool = False) -> Any:
        return self.mc(request, timeout=timeout, metadata=self.factory.metadata(as_user=as_user))


class Reply(Protocol):
    def SerializeToString(self, **kwargs: Any) -> bytes: ...


R = TypeVar("R", bound=Reply)


def _is_down(exc: BaseException) -> bool:
    """The dependency is down or its breaker open (not: the request was wrong)."""
    if isinstance(exc, Unavailable):
        return True
    return _is_dependency_fault(exc)


class LastGood:
    """Seed 9.1's "last answers from Redis" on the caller's side: each good reply is kept under
    its key for `ttl_s` in the key-value store; when the dependency is down (or its breaker open)
    the kept one is answered with its age in seconds. `call` returns (reply, None) when fresh."""

    def __init__(self, kv: KeyValue, clock: Clock, dependency: str, *, ttl_s: float = 3600.0) -> None:
        self.kv, self.clock, self.dependency, self.ttl_s = kv, clock, dependency, ttl_s

    def _key(self, key: str) -> str:
        return f"last-good:{self.dependency}:{key}"

    def _now_ms(self) -> int:
        return int(self.clock.now().timestamp() * 1000)

    async def call(
        self, key: str, fn: Callable[[], Awaitable[R]], parse: Callable[[bytes], R]
    ) -> tuple[R, float | None]:
        try:
            reply = await fn()
        except Exception as exc:
            if not _is_down(exc):
                raise
            kept = await self.kv.get(self._key(key))
            if kept is None:
                raise
            stamp, _, data = kept.partition(b":")
            metrics.FALLBACK_SERVED.labels(self.dependency).inc()
            return parse(data), max(0.0, (self._now_ms() - int(stamp)) / 1000)
        await self.kv.set(
            self._key(key), f"{self._now_ms()}:".encode() + reply.SerializeToString(), self.ttl_s
        )
        return reply, None


class PredictionsWithFallback:
    """CreatePrediction on the inference service, or, while it is down, the last prediction for
    the same question (up to 1 h old) with `stale` set and its age."""

    def __init__(self, clients: ClientFactory, kv: KeyValue, clock: Clock) -> None:
        from trading.inference.v1.inference_service_pb2_grpc import InferenceServiceStub

        self._stub = clients.stub(InferenceServiceStub, "inference")
        self._last = LastGood(kv, clock, "inference")

    async def create(self, request: Any, *, timeout: float | None = None) -> tuple[Any, float | None]:
        """(CreatePredictionResponse, age_s): age_s is None for a fresh answer."""
        from trading.inference.v1.inference_messages_pb2 import CreatePredictionResponse

        key = f"{request.symbol.upper()}:{request.timeframe}:{request.horizon}"
        reply, age = await self._last.call(
            key,
            lambda: self._stub.CreatePrediction(request, timeout=timeout),
            CreatePredictionResponse.FromString,
        )
        if age is not None:
            reply.prediction.stale = True
        return reply, age
