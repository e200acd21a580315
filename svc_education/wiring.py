"""Assembles svc_education from a ServiceContext and its settings."""

from __future__ import annotations

from functools import partial

from trading.education.v1 import education_service_pb2_grpc

from core.account_deletion import AccountDeletions
from core.service import BuiltService, ServiceContext
from svc_education.authoring import Authoring
from svc_education.catalogue import Catalogue
from svc_education.config import EducationSettings
from svc_education.enrolment import Enrolment
from svc_education.erasure import erase_learner
from svc_education.practice import PracticeWatcher
from svc_education.progress import Progress
from svc_education.quizzes import Quizzes
from svc_education.search import Search
from svc_education.service import Education, EducationServicer


def make_education(ctx: ServiceContext, settings: EducationSettings) -> Education:
    return Education(
        catalogue=Catalogue(ctx.db, settings),
        enrolment=Enrolment(ctx.db, ctx.clock),
        progress=Progress(ctx.db, ctx.clock),
        quizzes=Quizzes(ctx.db, ctx.clock),
        search=Search(ctx.db),
        authoring=Authoring(ctx.db, ctx.clock),
    )


async def build(ctx: ServiceContext, settings: EducationSettings) -> BuiltService:
    education = make_education(ctx, settings)
    watcher = PracticeWatcher(ctx.db, ctx.bus, ctx.clock)
    deletions = AccountDeletions(ctx.bus, "education", partial(erase_learner, ctx.db))
    return BuiltService(
        servicers=[
            (education_service_pb2_grpc.add_EducationServiceServicer_to_server, EducationServicer(education))
        ],
        background=[watcher.run, deletions.run],
    )
