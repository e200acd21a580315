"""A real gRPC server (the chassis, PlatformService and a test EducationService), the edge and Envoy."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from aiohttp import web
from trading.education.v1 import education_messages_pb2 as edu
from trading.education.v1 import education_service_pb2_grpc as edu_grpc
from trading.platform.v1 import platform_service_pb2_grpc as platform_grpc

from app.envoy import RateLimit, render_envoy_config, running_envoy, write_envoy_config
from app.platform_service import PlatformServicer
from core import errors
from core.auth import Authenticator
from core.bus import Bus
from core.clock import Clock
from core.interceptor import ChassisInterceptor
from core.keys import KeyStore
from core.server import create_server
from core.settings import Settings
from edge import create_app
from tests.ports import free_port

DESCRIPTOR = Path(__file__).resolve().parents[2] / "gen" / "descriptor.binpb"
PLATFORM = "trading.platform.v1.PlatformService"
EDUCATION = "trading.education.v1.EducationService"
ISSUER = "https://trading.test"
AUDIENCE = "trading-api"

# GET /education/courses/{slug} with one of these slugs fails with that error.
FAILURES: dict[str, errors.DomainError] = {
    "not-found": errors.NotFound("no such course", reason="COURSE_NOT_FOUND"),
    "forbidden": errors.PermissionDenied("not yours", reason="NOT_OWNER"),
    "exists": errors.AlreadyExists("already there", reason="COURSE_EXISTS"),
    "quota": errors.ResourceExhausted("slow down", retry_after_s=2),
    "down": errors.Unavailable("vendor down", retry_after_s=1),
    "bad": errors.InvalidArgument("bad slug", violations=[("slug", "must be lowercase")]),
}


class CoursesForTests(edu_grpc.EducationServiceServicer):
    """GetCourse answers from FAILURES or echoes the slug; ListCourses is left unimplemented."""

    async def GetCourse(self, request: edu.GetCourseRequest, context: grpc.aio.ServicerContext):
        if request.slug in FAILURES:
            raise FAILURES[request.slug]
        return edu.GetCourseResponse(course={"slug": request.slug, "title": f"Course {request.slug}"})

    async def ListCourses(self, request, context: grpc.aio.ServicerContext):
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, "ListCourses is not implemented yet")


@dataclass
class Gateway:
    """Where things listen once started."""

    url: str  # Envoy, http://127.0.0.1:PORT
    grpc_target: str  # the gRPC server, direct
    envoy_target: str  # Envoy, for gRPC clients
    admin_port: int
    settings: Settings


def gateway_settings(grpc_port: int, edge_port: int) -> Settings:
    return Settings(
        grpc_host="127.0.0.1",
        grpc_port=grpc_port,
        edge_port=edge_port,
        envoy_port=free_port(),
        envoy_admin_port=free_port(),
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        cors_origins=["http://app.test"],
        max_deadline_s=10.0,
    )


@asynccontextmanager
async def grpc_backend(keys: KeyStore, clock: Clock) -> AsyncIterator[int]:
    interceptor = ChassisInterceptor(Authenticator(keys, None), None)
    servicers = [
        (
            platform_grpc.add_PlatformServiceServicer_to_server,
            PlatformServicer(clock, [PLATFORM, EDUCATION], "test"),
        ),
        (edu_grpc.add_EducationServiceServicer_to_server, CoursesForTests()),
    ]
    server, port = await create_server(
        "127.0.0.1:0", servicers, [PLATFORM, EDUCATION], interceptors=[interceptor]
    )
    try:
        yield port
    finally:
        await server.stop(0)


@asynccontextmanager
async def edge_server(settings: Settings, bus: Bus, keys: KeyStore, web_root: Path) -> AsyncIterator[None]:
    channels: dict[str, grpc.aio.Channel] = {}

    def channel_for(domain: str) -> grpc.aio.Channel:
        if domain not in channels:
            channels[domain] = grpc.aio.insecure_channel(settings.address_of(domain))
        return channels[domain]

    app = create_app(settings, bus, keys, channel_for, services=[PLATFORM, EDUCATION], web_root=web_root)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.edge_port).start()
    try:
        yield
    finally:
        await runner.cleanup()
        for channel in channels.values():
            await channel.close()


@asynccontextmanager
async def envoy(
    settings: Settings, workdir: Path, rate_limit: RateLimit | None = None
) -> AsyncIterator[None]:
    config = render_envoy_config(settings, DESCRIPTOR, [PLATFORM, EDUCATION], rate_limit=rate_limit)
    path = write_envoy_config(config, workdir / f"envoy-{settings.envoy_port}.yaml")
    async with running_envoy(
        path,
        random.randrange(10_000, 2_000_000),
        settings.envoy_admin_port,
        concurrency=1,
        log_path=path.with_suffix(".log"),
    ):
        yield


@asynccontextmanager
async def full_gateway(
    keys: KeyStore, clock: Clock, bus: Bus, workdir: Path, rate_limit: RateLimit | None = None
) -> AsyncIterator[Gateway]:
    async with AsyncExitStack() as stack:
        grpc_port = await stack.enter_async_context(grpc_backend(keys, clock))
        settings = gateway_settings(grpc_port, free_port())
        await stack.enter_async_context(edge_server(settings, bus, keys, workdir / "no-web"))
        await stack.enter_async_context(envoy(settings, workdir, rate_limit))
        yield Gateway(
            url=f"http://127.0.0.1:{settings.envoy_port}",
            grpc_target=f"127.0.0.1:{grpc_port}",
            envoy_target=f"127.0.0.1:{settings.envoy_port}",
            admin_port=settings.envoy_admin_port,
            settings=settings,
        )
