"""The instructor role end to end: auth and education on one gRPC server. An admin grants the role
with SetUserRoles; the user's next access token carries it, and education lets them write a
course. A plain user cannot, and a plain user cannot grant the role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from google.rpc import error_details_pb2
from trading.auth.v1 import auth_messages_pb2 as apb
from trading.auth.v1 import auth_service_pb2_grpc
from trading.education.v1 import education_messages_pb2 as epb
from trading.education.v1 import education_service_pb2_grpc

from app.migrate import migrate
from app.registry import load_specs
from app.runtime import Runtime, make_context
from core.service import ServiceContext
from core.settings import Settings
from core.status import details_of, unpack_detail
from tests.conftest import drop_service_schemas

Metadata = tuple[tuple[str, str], ...]


@dataclass
class Served:
    ctx: ServiceContext
    auth: auth_service_pb2_grpc.AuthServiceStub
    edu: education_service_pb2_grpc.EducationServiceStub

    async def register(self, email: str) -> apb.RegisterResponse:
        request = apb.RegisterRequest(
            email=email, password="a long passphrase 1", first_name="I", last_name="V"
        )
        return await self.auth.Register(request)


def bearer(token: str) -> Metadata:
    return (("authorization", f"Bearer {token}"),)


@pytest.fixture
async def served(tmp_path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Served]:
    monkeypatch.setenv("TRADING_AUTH_ARGON2_MEMORY_KIB", "256")
    monkeypatch.setenv("TRADING_AUTH_ARGON2_TIME_COST", "1")
    settings = Settings(data_dir=tmp_path, grpc_port=0, database_url=database_url)
    specs = load_specs(["auth", "education"])
    drop_service_schemas(database_url, specs)
    migrate(settings, specs)
    ctx = make_context(settings)
    runtime = Runtime(ctx, specs, "test")
    port = await runtime.start("127.0.0.1:0")
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Served(
            ctx,
            auth_service_pb2_grpc.AuthServiceStub(channel),
            education_service_pb2_grpc.EducationServiceStub(channel),
        )
    finally:
        await channel.close()
        await runtime.stop(grace_s=0)


def draft(slug: str) -> epb.CreateCourseRequest:
    return epb.CreateCourseRequest(
        course=epb.CourseDraft(
            slug=slug, title="Volume profile", level=epb.COURSE_LEVEL_ADVANCED, category="technical-analysis"
        )
    )


def reason_of(error: grpc.aio.AioRpcError) -> str:
    status = details_of(error)
    assert status is not None
    return unpack_detail(status, error_details_pb2.ErrorInfo).reason


async def test_an_admin_grants_instructor_and_the_instructor_authors_a_plain_user_cannot(
    served: Served,
) -> None:
    boss = await served.register("boss@example.com")
    admin_token = served.ctx.keys.sign_access_token({"sub": boss.user.id, "roles": ["user", "admin"]})
    ivy = await served.register("ivy@example.com")
    plain = await served.register("plain@example.com")

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await served.edu.CreateCourse(draft("by-a-user"), metadata=bearer(plain.tokens.access_token))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert reason_of(refused.value) == "AUTHOR_ROLE_REQUIRED"

    grant = apb.SetUserRolesRequest(user_id=ivy.user.id, roles=[apb.ROLE_INSTRUCTOR])
    with pytest.raises(grpc.aio.AioRpcError) as not_admin:
        await served.auth.SetUserRoles(grant, metadata=bearer(plain.tokens.access_token))
    assert not_admin.value.code() == grpc.StatusCode.PERMISSION_DENIED
    changed = await served.auth.SetUserRoles(grant, metadata=bearer(admin_token))
    assert list(changed.user.roles) == [apb.ROLE_USER, apb.ROLE_INSTRUCTOR]

    renewed = await served.auth.RefreshToken(apb.RefreshTokenRequest(refresh_token=ivy.tokens.refresh_token))
    created = await served.edu.CreateCourse(draft("volume-profile"), metadata=bearer(renewed.access_token))
    assert created.course.slug == "volume-profile"
    me = await served.auth.GetMe(apb.GetMeRequest(), metadata=bearer(renewed.access_token))
    assert apb.ROLE_INSTRUCTOR in me.user.roles
