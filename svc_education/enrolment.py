"""Enrolment: a learner joins a course their plan unlocks, once, however often they ask."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError

from core.clock import Clock
from core.db import Database
from core.errors import PermissionDenied
from svc_education import models as m
from svc_education import records
from svc_education.views import Caller, EnrollmentView

# Plans from the lowest; a plan unlocks the courses of its rank and below.
PLANS = ("free", "basic", "pro", "premium")


def plan_unlocks(plan: str, required: str) -> bool:
    rank = {name: i for i, name in enumerate(PLANS)}
    return rank.get(plan, 0) >= rank.get(required or "free", 0)


class Enrolment:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def enroll(self, caller: Caller, course_id: str) -> EnrollmentView:
        """The caller's enrolment in a course, new or existing: one row per learner and course,
        concurrent requests included (the unique key settles a race; the loser reads the winner)."""
        async with self._db.session() as s:
            course = await records.course_by_id(s, course_id, caller)
            existing = await records.enrollment_of(s, caller.user_id, course.id)
            if existing is not None:
                return await records.enrollment_view(s, existing)
        if not caller.is_author and not plan_unlocks(caller.plan, course.required_plan):
            raise PermissionDenied(
                f"the course {course.slug!r} needs the {course.required_plan} plan",
                reason="PLAN_REQUIRED",
                metadata={"required_plan": course.required_plan, "plan": caller.plan},
            )
        try:
            async with self._db.transaction() as s:
                existing = await records.enrollment_of(s, caller.user_id, course.id)
                if existing is None:
                    s.add(
                        m.Enrollment(
                            id=str(uuid.uuid4()),
                            user_id=caller.user_id,
                            course_id=course.id,
                            status="active",
                            enrolled_at=self._clock.now(),
                        )
                    )
        except IntegrityError:
            pass  # another request enrolled the same learner a moment ago
        async with self._db.session() as s:
            enrollment = await records.enrollment_of(s, caller.user_id, course.id)
            assert enrollment is not None
            return await records.enrollment_view(s, enrollment)
