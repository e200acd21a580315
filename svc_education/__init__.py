"""Education: the course catalogue, enrolment, lesson progress, quizzes, practice lessons on the
paper account, full-text search and authoring (seed 4.1 Educacion, 3.4 search_education)."""

from __future__ import annotations

from pathlib import Path

from core.service import BuiltService, ServiceContext, ServiceSpec
from svc_education.config import EducationSettings
from svc_education.models import Base


async def build(ctx: ServiceContext, settings: EducationSettings) -> BuiltService:
    from svc_education import wiring  # imported on demand: loading the spec stays light

    return await wiring.build(ctx, settings)


async def bootstrap(ctx: ServiceContext, settings: EducationSettings) -> None:
    from svc_education.seed import seed_demo_courses

    await seed_demo_courses(ctx, settings)


SERVICE = ServiceSpec(
    name="education",
    grpc_services=["trading.education.v1.EducationService"],
    metadata=[Base.metadata],
    migrations=Path(__file__).parent / "migrations",
    build=build,
    settings=EducationSettings,
    bootstrap=bootstrap,
)
