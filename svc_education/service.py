"""The education servicer. Its contract is final; its logic arrives with the education issue."""

from __future__ import annotations

import grpc
from trading.education.v1 import education_messages_pb2 as pb
from trading.education.v1 import education_service_pb2_grpc

from core.errors import Unimplemented

PENDING = "arrives with the education issue"


class EducationServicer(education_service_pb2_grpc.EducationServiceServicer):
    """Answers UNIMPLEMENTED on every RPC until the education issue fills it in."""

    async def ListCourses(self, request: pb.ListCoursesRequest, context: grpc.aio.ServicerContext):
        raise Unimplemented(f"ListCourses {PENDING}")

    async def GetCourse(self, request: pb.GetCourseRequest, context: grpc.aio.ServicerContext):
        raise Unimplemented(f"GetCourse {PENDING}")

    async def EnrollCourse(self, request: pb.EnrollCourseRequest, context: grpc.aio.ServicerContext):
        raise Unimplemented(f"EnrollCourse {PENDING}")

    async def GetLesson(self, request: pb.GetLessonRequest, context: grpc.aio.ServicerContext):
        raise Unimplemented(f"GetLesson {PENDING}")

    async def UpdateLessonProgress(
        self, request: pb.UpdateLessonProgressRequest, context: grpc.aio.ServicerContext
    ):
        raise Unimplemented(f"UpdateLessonProgress {PENDING}")

    async def SubmitQuiz(self, request: pb.SubmitQuizRequest, context: grpc.aio.ServicerContext):
        raise Unimplemented(f"SubmitQuiz {PENDING}")
