"""The catalogue: published courses by level and category, a course's outline with the learner's
progress, and a lesson's content (a preview for those not enrolled)."""

from __future__ import annotations

import base64
import binascii
import json

from sqlalchemy import func, select

from core.db import Database
from core.errors import InvalidArgument
from svc_education import models as m
from svc_education import records
from svc_education.config import EducationSettings
from svc_education.views import (
    Caller,
    CourseOutline,
    CourseView,
    LessonContentView,
    LessonSummaryView,
    LessonView,
    ModuleView,
    Page,
    QuestionView,
    QuizView,
)

LEVELS = ("beginner", "intermediate", "advanced")


class Catalogue:
    """Reads of courses and lessons, as a learner sees them."""

    def __init__(self, db: Database, settings: EducationSettings) -> None:
        self._db = db
        self._settings = settings

    async def list_courses(
        self, caller: Caller, *, level: str = "", category: str = "", page_size: int = 0, page_token: str = ""
    ) -> Page:
        """Published courses, newest first, filtered by level and category."""
        size = page_size or self._settings.default_page_size
        offset = _offset_of(page_token)
        query = select(m.Course).where(m.Course.published_at.is_not(None))
        if level:
            query = query.where(m.Course.level == level)
        if category:
            query = query.where(m.Course.category == category)
        query = query.order_by(m.Course.published_at.desc(), m.Course.id).offset(offset).limit(size + 1)
        async with self._db.session() as s:
            courses = list((await s.execute(query)).scalars())
            more = len(courses) > size
            views = await self._course_views(s, caller, courses[:size])
        return Page(views, _token_of(offset + size) if more else "")

    async def _course_views(self, s, caller: Caller, courses: list[m.Course]) -> list[CourseView]:
        ids = [c.id for c in courses]
        counts = await records.lesson_counts(s, ids)
        enrolled = set()
        done: dict[str, int] = {}
        if ids and caller.user_id:
            enrolled = set(
                (
                    await s.execute(
                        select(m.Enrollment.course_id).where(
                            m.Enrollment.user_id == caller.user_id, m.Enrollment.course_id.in_(ids)
                        )
                    )
                ).scalars()
            )
            done = dict(
                (
                    await s.execute(
                        select(m.LessonProgress.course_id, func.count())
                        .where(
                            m.LessonProgress.user_id == caller.user_id,
                            m.LessonProgress.course_id.in_(ids),
                            m.LessonProgress.completed.is_(True),
                        )
                        .group_by(m.LessonProgress.course_id)
                    )
                ).all()
            )
        return [
            CourseView(
                course,
                lesson_count=counts[course.id][0],
                module_count=counts[course.id][1],
                enrolled=course.id in enrolled,
                progress_percent=records.percent(done.get(course.id, 0), counts[course.id][0])
                if course.id in enrolled
                else 0,
            )
            for course in courses
        ]

    async def get_course(self, caller: Caller, slug: str) -> CourseOutline:
        """A course with its modules and lessons, each marked with the caller's completion."""
        async with self._db.session() as s:
            course = await records.course_by_slug(s, slug, caller)
            [view] = await self._course_views(s, caller, [course])
            modules = await records.modules_of(s, course.id)
            lessons = await records.lessons_in_order(s, course.id, outline=True)
            completed = await records.completed_lessons(s, caller.user_id, course.id)
            enrollment = await records.enrollment_of(s, caller.user_id, course.id)
            enrollment_view = await records.enrollment_view(s, enrollment) if enrollment else None
        by_module: dict[str, list[LessonSummaryView]] = {mod.id: [] for mod in modules}
        for lesson in lessons:
            by_module[lesson.module_id].append(LessonSummaryView(lesson, lesson.id in completed))
        outline = [ModuleView(mod, by_module[mod.id]) for mod in modules]
        return CourseOutline(view, outline, enrollment_view)

    async def get_lesson(self, caller: Caller, lesson_id: str) -> LessonView:
        """A lesson's content for an enrolled learner (or an author); its opening for anyone else."""
        async with self._db.session() as s:
            lesson, course = await records.lesson_by_id(s, lesson_id, caller)
            order = await records.lesson_ids_in_order(s, course.id)
            enrollment = await records.enrollment_of(s, caller.user_id, course.id)
            full = enrollment is not None or caller.is_author
            progress = await s.get(m.LessonProgress, (caller.user_id, lesson.id))
            quiz = await self._quiz_view(s, caller, lesson) if full and lesson.kind == "quiz" else None
        at = order.index(lesson.id)
        content = (
            LessonContentView(
                lesson.body_markdown,
                lesson.video_url,
                quiz,
                records.chart_of(lesson),
                records.practice_of(lesson),
            )
            if full
            else LessonContentView(
                preview_of(lesson.body_markdown, self._settings.preview_chars), preview=True
            )
        )
        return LessonView(
            lesson,
            previous_lesson_id=order[at - 1] if at > 0 else "",
            next_lesson_id=order[at + 1] if at + 1 < len(order) else "",
            content=content,
            progress=progress,
        )

    async def _quiz_view(self, s, caller: Caller, lesson: m.Lesson) -> QuizView | None:
        quiz = (await s.execute(select(m.Quiz).where(m.Quiz.lesson_id == lesson.id))).scalar_one_or_none()
        if quiz is None:
            return None
        return await quiz_view(s, caller, quiz)


async def quiz_view(s, caller: Caller, quiz: m.Quiz) -> QuizView:
    """A quiz without its answers, with the caller's attempts and best score."""
    questions = (
        await s.execute(select(m.Question).where(m.Question.quiz_id == quiz.id).order_by(m.Question.position))
    ).scalars()
    used, best = (
        await s.execute(
            select(func.count(), func.coalesce(func.max(m.QuizAttempt.score), 0)).where(
                m.QuizAttempt.quiz_id == quiz.id, m.QuizAttempt.user_id == caller.user_id
            )
        )
    ).one()
    return QuizView(
        quiz,
        [
            QuestionView(
                q.id,
                q.text,
                len(json.loads(q.correct_json)) > 1,
                [(o["id"], o["text"]) for o in json.loads(q.options_json)],
            )
            for q in questions
        ],
        attempts_used=int(used),
        best_score=int(best),
    )


def preview_of(markdown: str, limit: int) -> str:
    """The lesson's opening paragraphs, as many as fit in `limit` characters (at least one, cut)."""
    taken: list[str] = []
    size = 0
    for paragraph in (p for p in markdown.split("\n\n") if p.strip()):
        if taken and size + len(paragraph) > limit:
            break
        taken.append(paragraph if len(paragraph) <= limit else paragraph[:limit].rstrip() + "…")
        size += len(paragraph)
    return "\n\n".join(taken)


def _offset_of(token: str) -> int:
    if not token:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        offset = int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        offset = -1
        kind = ""
    if kind != "o" or offset < 0:
        raise InvalidArgument("bad page token", violations=[("page.page_token", "not a token of this list")])
    return offset


def _token_of(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()
