"""`trading up` (every service, the edge and Envoy on one machine) and `trading serve`."""

from __future__ import annotations

import asyncio
import logging
import secrets

from aiohttp import web
from pydantic import SecretStr

from app import envoy
from app.assembly import _stop_event, bootstrap, print_urls, settings_descriptor, start_edge
from app.migrate import migrate
from app.registry import load_spec, load_specs
from app.runtime import Runtime, make_context
from core.server import start_status_http
from core.settings import Settings

log = logging.getLogger("app.up")
ENVOY_BASE_ID = 7


async def run_all_in_one(
    settings: Settings,
    *,
    with_envoy: bool = True,
    bootstrap_first: bool = True,
    envoy_base_id: int = ENVOY_BASE_ID,
) -> int:
    from app.workers import run_workers, worker_count

    count, why_one = worker_count(settings)
    if why_one and settings.workers > 1:
        log.warning("one server process", extra={"fields": {"workers": settings.workers, "because": why_one}})
    if count > 1:
        return await run_workers(
            settings,
            count,
            with_envoy=with_envoy,
            bootstrap_first=bootstrap_first,
            envoy_base_id=envoy_base_id,
        )
    specs = load_specs()
    if settings.proxy_secret is None:
        settings.proxy_secret = SecretStr(secrets.token_urlsafe(32))  # this run's Envoy and services
    await asyncio.to_thread(migrate, settings, specs)
    ctx = make_context(settings)
    runtime = Runtime(ctx, specs, "all-in-one")
    port = await runtime.start(f"{settings.grpc_host}:{settings.grpc_port}")
    edge_runner: web.AppRunner | None = None
    proxy = None
    boot = None
    try:  # a start that fails half-way still stops what it started
        edge_runner = await start_edge(
            settings,
            ctx,
            runtime.grpc_services,
            runtime.monitor,
            billing_settings=runtime.settings["billing"],
        )
        if with_envoy:
            config = envoy.render_envoy_config(settings, settings_descriptor(), runtime.grpc_services)
            path = envoy.write_envoy_config(config, settings.data_dir / "envoy.yaml")
            workers = envoy.envoy_threads(settings)
            proxy = await envoy.launch_envoy(
                path,
                envoy_base_id,
                settings.envoy_admin_port,
                concurrency=workers,
                log_path=settings.data_dir / "envoy.log",
            )
        boot = asyncio.create_task(bootstrap(ctx, specs, runtime.settings)) if bootstrap_first else None
        print_urls(settings, port, with_envoy)
        await _stop_event().wait()
    except Exception:
        log.exception("the platform stopped on an error")
        raise
    finally:
        log.info("stopping")
        if boot is not None:
            boot.cancel()
        if proxy is not None:
            await envoy.stop_envoy(proxy)
        if edge_runner is not None:
            await edge_runner.cleanup()
        await runtime.stop()
    return 0


async def run_single(settings: Settings, name: str, *, port: int | None = None) -> int:
    """The split run: one service on its own port, PostgreSQL and Redis by URL."""
    spec = load_spec(name)
    if port is not None:
        settings.grpc_port = port
    ctx = make_context(settings)
    runtime = Runtime(ctx, [spec], "split")
    bound = await runtime.start(f"{settings.grpc_host}:{settings.grpc_port}")
    log.info("serving", extra={"fields": {"service": name, "port": bound}})
    print(f"{name} serving on {settings.grpc_host}:{bound}", flush=True)
    status_http = None
    if settings.metrics_port is not None and runtime.server is not None:
        status_http = await start_status_http(
            settings.grpc_host, settings.metrics_port, runtime.server, runtime.monitor
        )
        metrics_port = status_http.addresses[0][1]
        print(f"{name} metrics on http://{settings.grpc_host}:{metrics_port}/metrics", flush=True)
    try:
        await _stop_event().wait()
    finally:
        if status_http is not None:
            await status_http.cleanup()
        await runtime.stop()
    return 0
