"""Reads shared by the education domain modules: rows by id, a course's lessons in order, a
learner's progress and enrolment."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from core.errors import NotFound, PermissionDenied
from svc_education import models as m
from svc_education.views import (
    Caller,
    ChartSpec,
    EnrollmentView,
    PracticeSpec,
)

T = TypeVar("T")


async def course_by_id(s: AsyncSession, course_id: str, caller: Caller) -> m.Course:
    """A course the caller may see: a published one, or any one for an author."""
    course = await s.get(m.Course, course_id)
    if course is None or (course.published_at is None and not caller.is_author):
        raise NotFound(f"no course {course_id}", reason="COURSE_NOT_FOUND")
    return course


async def course_by_slug(s: AsyncSession, slug: str, caller: Caller) -> m.Course:
    course = (await s.execute(select(m.Course).where(m.Course.slug == slug))).scalar_one_or_none()
    if course is None or (course.published_at is None and not caller.is_author):
        raise NotFound(f"no course {slug!r}", reason="COURSE_NOT_FOUND")
    return course


async def lesson_by_id(s: AsyncSession, lesson_id: str, caller: Caller) -> tuple[m.Lesson, m.Course]:
    lesson = await s.get(m.Lesson, lesson_id)
    if lesson is None:
        raise NotFound(f"no lesson {lesson_id}", reason="LESSON_NOT_FOUND")
    try:
        course = await course_by_id(s, lesson.course_id, caller)
    except NotFound:
        raise NotFound(f"no lesson {lesson_id}", reason="LESSON_NOT_FOUND") from None
    return lesson, course


async def modules_of(s: AsyncSession, course_id: str) -> list[m.Module]:
    rows = await s.execute(
        select(m.Module).where(m.Module.course_id == course_id).order_by(m.Module.position, m.Module.id)
    )
    return list(rows.scalars())


def _in_order(query: Any, course_id: str) -> Any:
    return (
        query.join(m.Module, m.Module.id == m.Lesson.module_id)
        .where(m.Lesson.course_id == course_id)
        .order_by(m.Module.position, m.Module.id, m.Lesson.position, m.Lesson.id)
    )


async def lessons_in_order(s: AsyncSession, course_id: str, *, outline: bool = False) -> list[m.Lesson]:
    """Every lesson of a course, module by module, each module's lessons by position. An
    `outline` leaves the lessons' content unloaded (never touch it on those rows)."""
    query = select(m.Lesson)
    if outline:
        query = query.options(load_only(*OUTLINE_COLUMNS, raiseload=True))
    return list((await s.execute(_in_order(query, course_id))).scalars())


async def lesson_ids_in_order(s: AsyncSession, course_id: str) -> list[str]:
    return list((await s.execute(_in_order(select(m.Lesson.id), course_id))).scalars())


OUTLINE_COLUMNS = (
    m.Lesson.id,
    m.Lesson.course_id,
    m.Lesson.module_id,
    m.Lesson.title,
    m.Lesson.kind,
    m.Lesson.position,
    m.Lesson.estimated_minutes,
)


async def lesson_counts(s: AsyncSession, course_ids: list[str]) -> dict[str, tuple[int, int]]:
    """(lessons, modules) of each course."""
    if not course_ids:
        return {}
    lessons = dict(
        (
            await s.execute(
                select(m.Lesson.course_id, func.count())
                .where(m.Lesson.course_id.in_(course_ids))
                .group_by(m.Lesson.course_id)
            )
        ).all()
    )
    modules = dict(
        (
            await s.execute(
                select(m.Module.course_id, func.count())
                .where(m.Module.course_id.in_(course_ids))
                .group_by(m.Module.course_id)
            )
        ).all()
    )
    return {c: (lessons.get(c, 0), modules.get(c, 0)) for c in course_ids}


async def completed_lessons(s: AsyncSession, user_id: str, course_id: str) -> set[str]:
    rows = await s.execute(
        select(m.LessonProgress.lesson_id).where(
            m.LessonProgress.user_id == user_id,
            m.LessonProgress.course_id == course_id,
            m.LessonProgress.completed.is_(True),
        )
    )
    return set(rows.scalars())


async def enrollment_of(s: AsyncSession, user_id: str, course_id: str) -> m.Enrollment | None:
    rows = await s.execute(
        select(m.Enrollment).where(m.Enrollment.user_id == user_id, m.Enrollment.course_id == course_id)
    )
    return rows.scalar_one_or_none()


async def require_enrollment(s: AsyncSession, caller: Caller, course: m.Course) -> m.Enrollment:
    enrollment = await enrollment_of(s, caller.user_id, course.id)
    if enrollment is None:
        raise PermissionDenied(
            f"enroll in {course.slug!r} first",
            reason="NOT_ENROLLED",
            metadata={"course_id": course.id, "course_slug": course.slug},
        )
    return enrollment


async def lock_enrollment(s: AsyncSession, enrollment: m.Enrollment) -> None:
    """Take the learner's lock on a course for this transaction: every write of their progress,
    attempts and completion in the course takes it first, so they run one at a time and the
    last lesson completed always sees the others (PostgreSQL `FOR UPDATE`; on SQLite the
    transaction already holds the writer lock)."""
    await s.refresh(enrollment, with_for_update=True)


async def locked_progress(s: AsyncSession, user_id: str, lesson_id: str) -> m.LessonProgress | None:
    """A learner's progress row, locked for this transaction (PostgreSQL; SQLite's writer lock
    is already held), so concurrent updates add up instead of overwriting each other."""
    return await s.get(m.LessonProgress, (user_id, lesson_id), with_for_update=True, populate_existing=True)


async def retry_on_conflict(attempt: Callable[[], Awaitable[T]], tries: int = 3) -> T:
    """Run a write transaction again when a concurrent one inserted the same row first (the
    unique key refused ours; the next attempt finds and locks that row)."""
    for _ in range(tries - 1):
        try:
            return await attempt()
        except IntegrityError:
            continue
    return await attempt()


def percent(done: int, total: int) -> int:
    """Progress as a whole percentage, rounded down so 100 means every lesson."""
    return 0 if total == 0 else (100 * done) // total


async def enrollment_view(s: AsyncSession, enrollment: m.Enrollment) -> EnrollmentView:
    total = (
        await s.execute(select(func.count()).where(m.Lesson.course_id == enrollment.course_id))
    ).scalar_one()
    done = len(await completed_lessons(s, enrollment.user_id, enrollment.course_id))
    certificate = (
        await s.execute(
            select(m.Certificate).where(
                m.Certificate.user_id == enrollment.user_id, m.Certificate.course_id == enrollment.course_id
            )
        )
    ).scalar_one_or_none()
    return EnrollmentView(enrollment, percent(done, total), certificate)


def chart_of(lesson: m.Lesson) -> ChartSpec | None:
    if not lesson.chart_json:
        return None
    data: dict[str, Any] = json.loads(lesson.chart_json)
    return ChartSpec(data["symbol"], data["timeframe"], tuple(data.get("indicators", ())))


def practice_of(lesson: m.Lesson) -> PracticeSpec | None:
    if not lesson.practice_json:
        return None
    data: dict[str, Any] = json.loads(lesson.practice_json)
    return PracticeSpec(data["kind"], data.get("symbol", ""), data.get("instructions", ""))
