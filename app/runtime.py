"""Assembles services for a run: their context, one gRPC server, their background tasks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from trading.platform.v1 import platform_service_pb2_grpc

from app.credentials import FirstMatch, InternalKeyVerifier, internal_api_key
from app.descriptors import load_service_descriptors
from app.platform_service import PlatformServicer
from core import tracing
from core.auth import Authenticator, CredentialVerifier
from core.bus import make_bus
from core.clients import ClientFactory, grpc_service_of
from core.clock import Clock
from core.db import Database
from core.health import Check, HealthMonitor, Readiness, database_check, engine_check, redis_check
from core.heap import freeze_startup_heap, thaw_heap
from core.interceptor import ChassisInterceptor
from core.keys import KeyStore
from core.kv import make_kv
from core.lease import replica_id
from core.revocation import SessionVersions
from core.server import Server, create_server
from core.service import (
    BackgroundTask,
    BuiltService,
    ServiceContext,
    ServiceSpec,
    build_spec,
    load_settings,
)
from core.settings import Settings

log = logging.getLogger("app.runtime")
PLATFORM_SERVICE = "trading.platform.v1.PlatformService"


def make_context(settings: Settings, clock: Clock | None = None) -> ServiceContext:
    """Real dependencies from settings: the database, bus, key-value store, keys and clients."""
    clock = clock or Clock()
    keys = KeyStore(
        settings.keys_dir,
        settings.jwt_issuer,
        settings.jwt_audience,
        clock,
        access_ttl_s=settings.access_token_ttl_s,
        publish_delay_s=settings.jwt_key_publish_delay_s,
        overlap_s=settings.jwt_key_overlap_s,
    )
    return ServiceContext(
        settings=settings,
        db=Database(settings.effective_database_url),
        bus=make_bus(settings, namespace=settings.redis_namespace),
        kv=make_kv(settings, clock, namespace=settings.redis_namespace),
        clock=clock,
        clients=ClientFactory(settings, clock, api_key=internal_api_key(settings)),
        keys=keys,
    )


def service_settings(specs: Sequence[ServiceSpec]) -> dict[str, Any]:
    """Each service's own settings, read from the environment once for the run."""
    return {spec.name: load_settings(spec) for spec in specs}


def credential_verifier(ctx: ServiceContext, specs: Sequence[ServiceSpec]) -> CredentialVerifier:
    """The internal key, then the service credentials svc_auth keeps: read from its tables when
    auth runs in this process, asked of it over gRPC (cached briefly) otherwise."""
    from trading.auth.v1.auth_service_pb2_grpc import AuthServiceStub

    from svc_auth.credentials import DatabaseCredentialVerifier, RemoteCredentialVerifier

    internal = internal_api_key(ctx.settings)
    stored: CredentialVerifier
    if "auth" in {s.name for s in specs}:
        stored = DatabaseCredentialVerifier(ctx.db)
    else:
        stored = RemoteCredentialVerifier(
            AuthServiceStub(ctx.clients.channel("auth", grpc_service_of(AuthServiceStub))),
            internal,
            ctx.clock,
        )
    return FirstMatch([InternalKeyVerifier(internal), stored])


REPLICA_HEADER = "x-trading-replica"


class ReplicaPlatformServicer(PlatformServicer):
    """GetServerInfo also says which process answered (host:pid, as leases and logs name it), in
    the response header x-trading-replica: with several processes or replicas behind one address."""

    async def GetServerInfo(self, request: Any, context: Any) -> Any:
        await context.send_initial_metadata(((REPLICA_HEADER, replica_id()),))
        return await super().GetServerInfo(request, context)


@dataclass(frozen=True)
class Worker:
    """This process as one of `count` workers of `trading up` (app/workers.py): it shares the
    public port with the others and also listens on `private_address`, its own, which Envoy
    balances over; its once-only background jobs are leased (app/placement.py)."""

    index: int
    count: int
    private_address: str
    run_id: str = "run"


class Runtime:
    """Services built and served on one grpc.aio server, with their background tasks."""

    def __init__(
        self,
        ctx: ServiceContext,
        specs: Sequence[ServiceSpec],
        run_mode: str,
        settings: Mapping[str, Any] | None = None,
        *,
        worker: Worker | None = None,
    ) -> None:
        self.ctx = ctx
        self.specs = list(specs)
        self.settings = dict(settings) if settings is not None else service_settings(self.specs)
        self.run_mode = run_mode
        self.worker = worker
        self.built: list[BuiltService] = []
        self.server: Server | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.monitor = HealthMonitor(self._checks(), ctx.clock)
        name = "trading" if len(self.specs) != 1 else f"trading-{self.specs[0].name}"
        tracing.configure(name, ctx.settings.otlp_endpoint)

    def _checks(self) -> list[Check]:
        checks = [database_check(self.ctx.db)]
        if self.ctx.settings.redis_url:
            checks.append(redis_check(self.ctx.settings.redis_url))
        if "inference" in {spec.name for spec in self.specs}:
            checks.append(engine_check(self.ctx.clients, own=True))
        return checks

    def _needs(self) -> dict[str, list[str]]:
        """What each gRPC service needs to be SERVING: its database; the engine its models."""
        database = self.monitor.checks[0].name
        return {
            name: [database, *(["ml_engine"] if spec.name == "inference" else [])]
            for spec in self.specs
            for name in spec.grpc_services
        }

    @property
    def grpc_services(self) -> list[str]:
        return [name for spec in self.specs for name in spec.grpc_services] + [PLATFORM_SERVICE]

    async def start(self, address: str) -> int:
        """Build every service, serve them on `address` and start their tasks; returns the port."""
        ctx = self.ctx
        self.built = [await build_spec(spec, ctx, self.settings.get(spec.name)) for spec in self.specs]
        servicers = [pair for built in self.built for pair in built.servicers]
        platform = ReplicaPlatformServicer(ctx.clock, self.grpc_services, self.run_mode)
        servicers.append((platform_service_pb2_grpc.add_PlatformServiceServicer_to_server, platform))
        sessions = SessionVersions(ctx.kv, ctx.bus, ctx.clock)
        interceptor = ChassisInterceptor(
            Authenticator(ctx.keys, credential_verifier(ctx, self.specs), sessions),
            ctx.kv,
            max_deadline_s=ctx.settings.max_deadline_s,
        )
        load_service_descriptors(self.grpc_services)  # reflection answers before the first call
        self.server, port = await create_server(
            address,
            servicers,
            self.grpc_services,
            interceptors=[interceptor],
            max_message_bytes=ctx.settings.max_message_bytes,
            reuse_port=self.worker is not None,
            also_on=[self.worker.private_address] if self.worker is not None else [],
        )
        if ctx.settings.grpc_port == 0:
            ctx.settings.grpc_port = port  # the services' clients call this very server
        self.tasks.append(asyncio.create_task(supervise(sessions.listen), name="session-versions"))
        server = self.server
        Readiness(self.monitor, lambda name, up: server.set_service_serving(name, up), self._needs())
        self.tasks.append(asyncio.create_task(supervise(self.monitor.run), name="health-checks"))
        for spec, built in zip(self.specs, self.built, strict=True):
            for task in self._placed(spec, built):
                self.tasks.append(
                    asyncio.create_task(supervise(task), name=getattr(task, "__qualname__", "task"))
                )
        freeze_startup_heap()
        return port

    def _placed(self, spec: ServiceSpec, built: BuiltService) -> list[BackgroundTask]:
        if self.worker is None or self.worker.count == 1:
            return list(built.background)
        from app.placement import place

        return place(self.ctx, self.worker.run_id, spec.name, built.background)

    async def stop(self, grace_s: float = 5.0) -> None:
        if self.server is not None:
            await self.server.stop(grace_s)
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with suppress(asyncio.CancelledError, Exception):
                await task
        for built in self.built:
            if built.close is not None:
                await built.close()
        await self.ctx.clients.close()
        await self.ctx.bus.close()
        await self.ctx.db.dispose()
        thaw_heap()


async def supervise(task: BackgroundTask, backoff_s: float = 1.0) -> None:
    """Run a background task for the life of the process, restarting it if it crashes."""
    while True:
        try:
            await task()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task crashed; restarting", extra={"fields": {"task": repr(task)}})
            await asyncio.sleep(backoff_s)
            backoff_s = min(backoff_s * 2, 60)
