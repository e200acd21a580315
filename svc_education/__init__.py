"""Education: the course catalogue, enrolment, lesson progress and quizzes (seed 4.1 Educacion)."""

from __future__ import annotations

from trading.education.v1 import education_service_pb2_grpc

from core.service import BuiltService, ServiceContext, ServiceSpec
from svc_education.service import EducationServicer


async def build(ctx: ServiceContext) -> BuiltService:
    return BuiltService(
        servicers=[(education_service_pb2_grpc.add_EducationServiceServicer_to_server, EducationServicer())]
    )


SERVICE = ServiceSpec(
    name="education",
    grpc_services=["trading.education.v1.EducationService"],
    metadata=[],
    migrations=None,
    build=build,
)
