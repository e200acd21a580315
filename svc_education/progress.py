"""Lesson progress: time on a lesson only grows, a completion never goes back, and the last
lesson completed completes the course."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import FailedPrecondition, InvalidArgument
from svc_education import models as m
from svc_education import records
from svc_education.certificates import complete_course_if_done
from svc_education.views import Caller, ProgressUpdate

MAX_SESSION_S = 24 * 3600
# Lessons a learner cannot simply mark completed: a quiz completes when passed, a practice lesson
# when the paper account shows the task done.
EARNED_KINDS = {
    "quiz": "pass the quiz to complete this lesson",
    "practice": "do the task on your paper account",
}


class Progress:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def update(
        self, caller: Caller, lesson_id: str, *, completed: bool, time_spent_s: int, course_id: str = ""
    ) -> ProgressUpdate:
        if not 0 <= time_spent_s <= MAX_SESSION_S:
            raise InvalidArgument(
                "time spent must be between 0 and 24 hours",
                violations=[("time_spent", "must be between 0s and 86400s")],
            )
        return await records.retry_on_conflict(
            lambda: self._update(caller, lesson_id, completed, time_spent_s, course_id)
        )

    async def _update(
        self, caller: Caller, lesson_id: str, completed: bool, time_spent_s: int, course_id: str
    ) -> ProgressUpdate:
        async with self._db.transaction() as s:
            lesson, course = await records.lesson_by_id(s, lesson_id, caller)
            if course_id and course_id != course.id:
                raise InvalidArgument(
                    "the lesson belongs to another course",
                    violations=[("course_id", f"lesson {lesson.id} is not in course {course_id}")],
                    reason="LESSON_NOT_IN_COURSE",
                )
            enrollment = await records.require_enrollment(s, caller, course)
            await records.lock_enrollment(s, enrollment)
            row = await records.locked_progress(s, caller.user_id, lesson.id)
            completing = completed and not (row is not None and row.completed)
            if completing and lesson.kind in EARNED_KINDS:
                raise FailedPrecondition(EARNED_KINDS[lesson.kind], reason="LESSON_COMPLETES_ITSELF")
            now = self._clock.now()
            row = row or await start_progress(s, caller.user_id, lesson, now)
            changed = time_spent_s > 0 or completing
            row.time_spent_s += time_spent_s
            if completing:
                await complete_lesson(s, row, lesson, now)
            elif changed:
                row.updated_at = now
            await s.flush()
            view = await records.enrollment_view(s, enrollment)
        return ProgressUpdate(changed, row, view)


async def start_progress(s: AsyncSession, user_id: str, lesson: m.Lesson, now: datetime) -> m.LessonProgress:
    row = m.LessonProgress(
        user_id=user_id,
        lesson_id=lesson.id,
        course_id=lesson.course_id,
        completed=False,
        time_spent_s=0,
        updated_at=now,
    )
    s.add(row)
    return row


async def complete_lesson(s: AsyncSession, row: m.LessonProgress, lesson: m.Lesson, now: datetime) -> bool:
    """Mark a lesson completed (once) and the course too when it was the last; True if newly done."""
    if row.completed:
        return False
    row.completed = True
    row.completed_at = now
    row.updated_at = now
    await s.flush()
    await complete_course_if_done(s, row.user_id, lesson.course_id, now)
    return True
