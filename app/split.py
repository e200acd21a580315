"""The split run's own processes: `trading edge`, `trading gateway`, `trading bootstrap` and
`trading serve platform`. Each service runs with `trading serve <service>`; these start the rest
from the same TRADING_* settings (docs/split-run.md)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from app import envoy
from app.assembly import _stop_event, settings_descriptor, start_edge
from app.envoy_split import render_split_config
from app.migrate import migrate
from app.registry import load_specs
from app.runtime import PLATFORM_SERVICE, Runtime, make_context, service_settings, supervise
from core.health import Check, HealthMonitor, database_check, engine_check, redis_check
from core.service import ServiceContext, bootstrap_spec
from core.settings import Settings

log = logging.getLogger("app.split")


def public_services(descriptor: Path) -> list[str]:
    """Every gRPC service the gateway exposes (the platform's own included)."""
    return envoy.trading_services(descriptor)


async def run_edge(settings: Settings) -> int:
    """The edge (WebSocket fan-out, webhooks, JWKS, /health) alone, on TRADING_EDGE_PORT."""
    ctx = make_context(settings)
    services = [s for s in public_services(settings_descriptor()) if s != PLATFORM_SERVICE]
    monitor = HealthMonitor(edge_checks(ctx), ctx.clock)
    checks = asyncio.create_task(supervise(monitor.run), name="health-checks")
    runner = await start_edge(settings, ctx, [*services, PLATFORM_SERVICE], monitor)
    print(f"edge serving on {settings.grpc_host}:{settings.edge_port}", flush=True)
    try:
        await _stop_event().wait()
    finally:
        checks.cancel()
        await runner.cleanup()
        await ctx.clients.close()
        await ctx.bus.close()
        await ctx.db.dispose()
    return 0


def edge_checks(ctx: ServiceContext) -> list[Check]:
    """What the edge's /health and /metrics report for the whole split run: PostgreSQL and Redis
    on the seed 10.2 schedule, and the inference engine through this process's client (its
    breaker, the ML engine's, shows under `breakers`)."""
    checks = [database_check(ctx.db), engine_check(ctx.clients)]
    if ctx.settings.redis_url:
        checks.insert(1, redis_check(ctx.settings.redis_url))
    return checks


def render_gateway(
    settings: Settings,
    *,
    edge_host: str,
    secret_from_env: bool = False,
    descriptor_at: str | None = None,
    path: Path | None = None,
) -> Path:
    descriptor = settings_descriptor()
    config = render_split_config(
        settings,
        descriptor,
        public_services(descriptor),
        edge_host=edge_host,
        secret_from_env=secret_from_env,
        descriptor_at=descriptor_at,
    )
    return envoy.write_envoy_config(config, path or settings.data_dir / "envoy-split.yaml")


async def run_gateway(settings: Settings, *, edge_host: str, base_id: int, config: Path | None = None) -> int:
    """Envoy for the split run, in the foreground until SIGINT/SIGTERM: with the config rendered
    now from the settings, or a rendered one (`config`, a Kubernetes ConfigMap)."""
    path = config or render_gateway(settings, edge_host=edge_host)
    workers = envoy.envoy_threads(settings)
    proxy = await envoy.launch_envoy(path, base_id, settings.envoy_admin_port, concurrency=workers)
    try:
        print(f"gateway listening on :{settings.envoy_port}", flush=True)
        stop = _stop_event()
        done = asyncio.ensure_future(proxy.wait())
        await asyncio.wait([done, asyncio.ensure_future(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    finally:
        await envoy.stop_envoy(proxy)
    return 0 if proxy.returncode in (0, -15) else int(proxy.returncode or 1)


async def run_bootstrap(settings: Settings, names: list[str] | None, *, migrate_first: bool) -> int:
    """The first signing key, and the demo data and first models of `names` (default: all), once,
    against the configured database, bus and data folder; safe to run again. Returns 1 if any
    service's failed."""
    specs = load_specs(names)
    if migrate_first:
        await asyncio.to_thread(migrate, settings, specs)
    ctx = make_context(settings)
    own = service_settings(specs)
    failed = []
    try:
        # Every process signs or publishes with the keys in the shared data folder; one made now,
        # before the services start, stops each from making a first key of its own.
        ctx.keys.active()
        for spec in specs:
            if spec.bootstrap is None:
                continue
            log.info("bootstrapping", extra={"fields": {"service": spec.name}})
            try:
                await bootstrap_spec(spec, ctx, own[spec.name])
            except Exception:
                log.exception("bootstrap failed", extra={"fields": {"service": spec.name}})
                failed.append(spec.name)
    finally:
        await ctx.clients.close()
        await ctx.bus.close()
        await ctx.db.dispose()
    print("bootstrap " + (f"failed: {', '.join(failed)}" if failed else "done"), flush=True)
    return 1 if failed else 0


async def run_platform(settings: Settings, *, port: int | None = None) -> int:
    """PlatformService alone (server info, heartbeats): the `platform` domain of the split run."""
    if port is not None:
        settings.grpc_port = port
    runtime = Runtime(make_context(settings), [], "split")
    bound = await runtime.start(f"{settings.grpc_host}:{settings.grpc_port}")
    print(f"platform serving on {settings.grpc_host}:{bound}", flush=True)
    try:
        await _stop_event().wait()
    finally:
        await runtime.stop()
    return 0
