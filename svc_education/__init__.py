"""Education: the course catalogue, enrolment, lesson progress, quizzes, practice lessons on the
paper account, full-text search and authoring (seed 4.1 Educacion, 3.4 search_education)."""

from __future__ import annotations

from pathlib import Path

from core.service import BuiltService, ServiceContext, ServiceSpec
from svc_education.models import Base


async def build(ctx: ServiceContext) -> BuiltService:
    from svc_education.wiring import build_education

    return build_education(ctx)


async def bootstrap(ctx: ServiceContext) -> None:
    from svc_education.seed import seed_demo_courses

    await seed_demo_courses(ctx)


SERVICE = ServiceSpec(
    name="education",
    grpc_services=["trading.education.v1.EducationService"],
    metadata=[Base.metadata],
    migrations=Path(__file__).parent / "migrations",
    build=build,
    bootstrap=bootstrap,
)
