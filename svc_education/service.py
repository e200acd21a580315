"""The education servicer: proto in, one domain call, proto out. The learner is always the caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import grpc
from trading.common.v1.paging_pb2 import PageResponse
from trading.education.v1 import education_messages_pb2 as pb
from trading.education.v1 import education_service_pb2_grpc

from core.principal import current_principal
from svc_education import convert
from svc_education.authoring import Authoring
from svc_education.catalogue import Catalogue
from svc_education.enrolment import Enrolment
from svc_education.progress import Progress
from svc_education.quizzes import Quizzes
from svc_education.search import Search
from svc_education.views import Caller

Ctx: TypeAlias = grpc.aio.ServicerContext


@dataclass(frozen=True)
class Education:
    """The domain, one object per concern."""

    catalogue: Catalogue
    enrolment: Enrolment
    progress: Progress
    quizzes: Quizzes
    search: Search
    authoring: Authoring


def _caller() -> Caller:
    principal = current_principal()
    return Caller(principal.require_user(), principal.plan, principal.roles)


class EducationServicer(education_service_pb2_grpc.EducationServiceServicer):
    def __init__(self, education: Education) -> None:
        self._edu = education

    async def ListCourses(self, request: pb.ListCoursesRequest, context: Ctx) -> pb.ListCoursesResponse:
        page = await self._edu.catalogue.list_courses(
            _caller(),
            level=convert.LEVEL_IN.get(request.level, ""),
            category=request.category,
            page_size=request.page.page_size,
            page_token=request.page.page_token,
        )
        return pb.ListCoursesResponse(
            courses=[convert.course_out(c) for c in page.courses],
            page=PageResponse(next_page_token=page.next_page_token),
        )

    async def GetCourse(self, request: pb.GetCourseRequest, context: Ctx) -> pb.GetCourseResponse:
        return convert.outline_out(await self._edu.catalogue.get_course(_caller(), request.slug))

    async def EnrollCourse(self, request: pb.EnrollCourseRequest, context: Ctx) -> pb.EnrollCourseResponse:
        enrollment = await self._edu.enrolment.enroll(_caller(), request.id)
        return pb.EnrollCourseResponse(enrollment=convert.enrollment_out(enrollment))

    async def GetLesson(self, request: pb.GetLessonRequest, context: Ctx) -> pb.GetLessonResponse:
        return convert.lesson_view_out(await self._edu.catalogue.get_lesson(_caller(), request.id))

    async def UpdateLessonProgress(
        self, request: pb.UpdateLessonProgressRequest, context: Ctx
    ) -> pb.UpdateLessonProgressResponse:
        update = await self._edu.progress.update(
            _caller(),
            request.id,
            completed=request.completed,
            time_spent_s=request.time_spent.seconds,
            course_id=request.course_id,
        )
        return convert.progress_update_out(update)

    async def SubmitQuiz(self, request: pb.SubmitQuizRequest, context: Ctx) -> pb.SubmitQuizResponse:
        result = await self._edu.quizzes.submit(_caller(), request.id, convert.answers_in(request))
        return convert.quiz_result_out(result)

    async def SearchLessons(self, request: pb.SearchLessonsRequest, context: Ctx) -> pb.SearchLessonsResponse:
        hits = await self._edu.search.search(request.query, request.limit)
        return pb.SearchLessonsResponse(hits=[convert.hit_out(h) for h in hits])

    async def CreateCourse(self, request: pb.CreateCourseRequest, context: Ctx) -> pb.CreateCourseResponse:
        course = await self._edu.authoring.create_course(_caller(), convert.course_draft_in(request.course))
        return pb.CreateCourseResponse(course=convert.course_out(course))

    async def UpdateCourse(self, request: pb.UpdateCourseRequest, context: Ctx) -> pb.UpdateCourseResponse:
        draft = convert.course_draft_in(request.course)
        course = await self._edu.authoring.update_course(_caller(), request.id, draft)
        return pb.UpdateCourseResponse(course=convert.course_out(course))

    async def PublishCourse(self, request: pb.PublishCourseRequest, context: Ctx) -> pb.PublishCourseResponse:
        course = await self._edu.authoring.publish(_caller(), request.id, request.published)
        return pb.PublishCourseResponse(course=convert.course_out(course))

    async def CreateModule(self, request: pb.CreateModuleRequest, context: Ctx) -> pb.CreateModuleResponse:
        module = await self._edu.authoring.create_module(_caller(), request.course_id, request.title)
        return pb.CreateModuleResponse(module=convert.module_out(module))

    async def UpdateModule(self, request: pb.UpdateModuleRequest, context: Ctx) -> pb.UpdateModuleResponse:
        module = await self._edu.authoring.update_module(_caller(), request.id, request.title)
        return pb.UpdateModuleResponse(module=convert.module_out(module))

    async def CreateLesson(self, request: pb.CreateLessonRequest, context: Ctx) -> pb.CreateLessonResponse:
        draft = convert.lesson_draft_in(request.lesson)
        lesson = await self._edu.authoring.create_lesson(_caller(), request.module_id, draft)
        return pb.CreateLessonResponse(lesson=convert.lesson_out(lesson))

    async def UpdateLesson(self, request: pb.UpdateLessonRequest, context: Ctx) -> pb.UpdateLessonResponse:
        draft = convert.lesson_draft_in(request.lesson)
        lesson = await self._edu.authoring.update_lesson(_caller(), request.id, draft)
        return pb.UpdateLessonResponse(lesson=convert.lesson_out(lesson))

    async def SetLessonQuiz(self, request: pb.SetLessonQuizRequest, context: Ctx) -> pb.SetLessonQuizResponse:
        quiz = await self._edu.authoring.set_quiz(
            _caller(), request.lesson_id, convert.quiz_draft_in(request)
        )
        return pb.SetLessonQuizResponse(quiz=convert.quiz_out(quiz))

    async def ReorderCourse(self, request: pb.ReorderCourseRequest, context: Ctx) -> pb.ReorderCourseResponse:
        modules = await self._edu.authoring.reorder(_caller(), request.id, convert.order_in(request))
        return pb.ReorderCourseResponse(modules=[convert.module_out(x) for x in modules])
