"""Authoring for admins and instructors: courses, modules, lessons and quizzes, publishing and
ordering. Every write reindexes what search shows."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from svc_education import models as m
from svc_education import records
from svc_education.catalogue import LEVELS, quiz_view
from svc_education.enrolment import PLANS
from svc_education.practice import CHECKS
from svc_education.search import index_lesson
from svc_education.views import (
    Caller,
    ChartSpec,
    CourseView,
    LessonSummaryView,
    ModuleView,
    PracticeSpec,
    QuizView,
)

KINDS = ("article", "video", "quiz", "chart", "practice")


@dataclass(frozen=True)
class CourseDraft:
    slug: str
    title: str
    level: str
    category: str
    summary: str = ""
    cover_image_url: str = ""
    estimated_minutes: int = 0
    required_plan: str = "free"


@dataclass(frozen=True)
class LessonDraft:
    title: str
    kind: str
    body_markdown: str = ""
    video_url: str = ""
    estimated_minutes: int = 0
    chart: ChartSpec | None = None
    practice: PracticeSpec | None = None


@dataclass(frozen=True)
class QuestionDraft:
    text: str
    options: list[tuple[str, str]]  # (id, text)
    correct_option_ids: list[str]
    explanation: str = ""


@dataclass(frozen=True)
class QuizDraft:
    title: str
    pass_percent: int
    questions: list[QuestionDraft]
    max_attempts: int = 0


@dataclass
class ModuleOrder:
    module_id: str
    lesson_ids: list[str] = field(default_factory=list)


def check_course(draft: CourseDraft) -> None:
    problems = []
    if draft.level not in LEVELS:
        problems.append(("course.level", f"must be one of {', '.join(LEVELS)}"))
    if (draft.required_plan or "free") not in PLANS:
        problems.append(("course.required_plan", f"must be one of {', '.join(PLANS)}"))
    if problems:
        raise InvalidArgument("the course is incomplete", violations=problems)


def require_author(caller: Caller) -> None:
    if not caller.is_author:
        raise PermissionDenied("only admins and instructors write courses", reason="AUTHOR_ROLE_REQUIRED")


def check_lesson(draft: LessonDraft, path: str = "lesson") -> None:
    """What each kind of lesson needs beyond its title."""
    problems = []
    if draft.kind not in KINDS:
        problems.append((f"{path}.kind", f"must be one of {', '.join(KINDS)}"))
    if draft.kind == "video" and not draft.video_url:
        problems.append((f"{path}.video_url", "a video lesson needs its video's URL"))
    if draft.kind == "chart" and draft.chart is None:
        problems.append((f"{path}.chart", "a chart lesson needs a chart"))
    if draft.kind == "practice" and (draft.practice is None or draft.practice.kind not in CHECKS):
        problems.append((f"{path}.practice", f"a practice lesson needs a task: {', '.join(CHECKS)}"))
    if problems:
        raise InvalidArgument("the lesson is incomplete", violations=problems)


def check_quiz(draft: QuizDraft) -> None:
    problems = []
    for i, q in enumerate(draft.questions):
        ids = [o[0] for o in q.options]
        if len(set(ids)) != len(ids):
            problems.append((f"questions[{i}].options", "option ids must be unique"))
        if not set(q.correct_option_ids) <= set(ids):
            problems.append((f"questions[{i}].correct_option_ids", "must be ids of the question's options"))
    if problems:
        raise InvalidArgument("the quiz is inconsistent", violations=problems)


class Authoring:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def create_course(self, caller: Caller, draft: CourseDraft) -> CourseView:
        require_author(caller)
        check_course(draft)
        now = self._clock.now()
        async with self._db.transaction() as s:
            await _slug_free(s, draft.slug)
            course = m.Course(id=str(uuid.uuid4()), created_at=now, updated_at=now, published_at=None)
            _apply_course(course, draft)
            s.add(course)
        return CourseView(course, 0, 0)

    async def update_course(self, caller: Caller, course_id: str, draft: CourseDraft) -> CourseView:
        require_author(caller)
        check_course(draft)
        async with self._db.transaction() as s:
            course = await records.course_by_id(s, course_id, caller)
            if draft.slug != course.slug:
                await _slug_free(s, draft.slug)
            retitled = draft.title != course.title
            _apply_course(course, draft)
            course.updated_at = self._clock.now()
            if retitled:
                for lesson in await records.lessons_in_order(s, course.id):
                    await index_lesson(s, lesson, course)
            counts = await records.lesson_counts(s, [course.id])
        return CourseView(course, *counts[course.id])

    async def publish(self, caller: Caller, course_id: str, published: bool) -> CourseView:
        require_author(caller)
        async with self._db.transaction() as s:
            course = await records.course_by_id(s, course_id, caller)
            counts = await records.lesson_counts(s, [course.id])
            if published and counts[course.id][0] == 0:
                raise FailedPrecondition(
                    "a course without lessons cannot be published", reason="COURSE_EMPTY"
                )
            if published and course.published_at is None:
                course.published_at = self._clock.now()
            elif not published:
                course.published_at = None
            course.updated_at = self._clock.now()
        return CourseView(course, *counts[course.id])

    async def create_module(self, caller: Caller, course_id: str, title: str) -> ModuleView:
        require_author(caller)
        async with self._db.transaction() as s:
            course = await records.course_by_id(s, course_id, caller)
            last = (
                await s.execute(select(func.max(m.Module.position)).where(m.Module.course_id == course.id))
            ).scalar_one()
            module = m.Module(
                id=str(uuid.uuid4()), course_id=course.id, title=title, position=(last or 0) + 1
            )
            s.add(module)
        return ModuleView(module)

    async def update_module(self, caller: Caller, module_id: str, title: str) -> ModuleView:
        require_author(caller)
        async with self._db.transaction() as s:
            module = await _module(s, module_id)
            module.title = title
        return ModuleView(module)

    async def create_lesson(self, caller: Caller, module_id: str, draft: LessonDraft) -> m.Lesson:
        require_author(caller)
        check_lesson(draft)
        async with self._db.transaction() as s:
            module = await _module(s, module_id)
            course = await records.course_by_id(s, module.course_id, caller)
            last = (
                await s.execute(select(func.max(m.Lesson.position)).where(m.Lesson.module_id == module.id))
            ).scalar_one()
            lesson = m.Lesson(
                id=str(uuid.uuid4()), course_id=course.id, module_id=module.id, position=(last or 0) + 1
            )
            _apply_lesson(lesson, draft)
            s.add(lesson)
            await s.flush()
            await index_lesson(s, lesson, course)
        return lesson

    async def update_lesson(self, caller: Caller, lesson_id: str, draft: LessonDraft) -> m.Lesson:
        require_author(caller)
        check_lesson(draft)
        async with self._db.transaction() as s:
            lesson, course = await records.lesson_by_id(s, lesson_id, caller)
            if draft.kind != lesson.kind:
                raise InvalidArgument(
                    "a lesson keeps its kind", violations=[("lesson.kind", f"this lesson is a {lesson.kind}")]
                )
            _apply_lesson(lesson, draft)
            await s.flush()
            await index_lesson(s, lesson, course)
        return lesson

    async def set_quiz(self, caller: Caller, lesson_id: str, draft: QuizDraft) -> QuizView:
        """Write a quiz lesson's quiz; an existing quiz keeps its id (and its attempts)."""
        require_author(caller)
        check_quiz(draft)
        async with self._db.transaction() as s:
            lesson, _ = await records.lesson_by_id(s, lesson_id, caller)
            if lesson.kind != "quiz":
                raise FailedPrecondition(
                    f"lesson {lesson.id} is a {lesson.kind}, not a quiz", reason="NOT_A_QUIZ"
                )
            quiz = (await s.execute(select(m.Quiz).where(m.Quiz.lesson_id == lesson.id))).scalar_one_or_none()
            if quiz is None:
                quiz = m.Quiz(id=str(uuid.uuid4()), lesson_id=lesson.id)
                s.add(quiz)
            quiz.title, quiz.pass_percent, quiz.max_attempts = (
                draft.title,
                draft.pass_percent,
                draft.max_attempts,
            )
            for old in (await s.execute(select(m.Question).where(m.Question.quiz_id == quiz.id))).scalars():
                await s.delete(old)
            await s.flush()
            for position, q in enumerate(draft.questions, start=1):
                s.add(
                    m.Question(
                        id=str(uuid.uuid4()),
                        quiz_id=quiz.id,
                        position=position,
                        text=q.text,
                        options_json=json.dumps([{"id": i, "text": t} for i, t in q.options]),
                        correct_json=json.dumps(list(q.correct_option_ids)),
                        explanation=q.explanation,
                    )
                )
            await s.flush()
            return await quiz_view(s, caller, quiz)

    async def reorder(self, caller: Caller, course_id: str, order: list[ModuleOrder]) -> list[ModuleView]:
        """Put every module and every lesson of a course in the given order (lessons may move
        between modules); the lists must name each exactly once."""
        require_author(caller)
        async with self._db.transaction() as s:
            course = await records.course_by_id(s, course_id, caller)
            modules = {mod.id: mod for mod in await records.modules_of(s, course.id)}
            lessons = {lesson.id: lesson for lesson in await records.lessons_in_order(s, course.id)}
            named_modules = [o.module_id for o in order]
            named_lessons = [lesson_id for o in order for lesson_id in o.lesson_ids]
            problems = []
            if sorted(named_modules) != sorted(modules):
                problems.append(("modules", "must list every module of the course once"))
            if sorted(named_lessons) != sorted(lessons):
                problems.append(("modules.lesson_ids", "must list every lesson of the course once"))
            if problems:
                raise InvalidArgument("the order does not match the course", violations=problems)
            for position, o in enumerate(order, start=1):
                modules[o.module_id].position = position
                for lesson_position, lesson_id in enumerate(o.lesson_ids, start=1):
                    lessons[lesson_id].module_id = o.module_id
                    lessons[lesson_id].position = lesson_position
        return [
            ModuleView(modules[o.module_id], [LessonSummaryView(lessons[i]) for i in o.lesson_ids])
            for o in order
        ]


async def _slug_free(s: AsyncSession, slug: str) -> None:
    taken = (await s.execute(select(m.Course.id).where(m.Course.slug == slug))).first()
    if taken is not None:
        raise AlreadyExists(f"a course is already called {slug!r}", reason="COURSE_SLUG_TAKEN")


async def _module(s: AsyncSession, module_id: str) -> m.Module:
    module = await s.get(m.Module, module_id)
    if module is None:
        raise NotFound(f"no module {module_id}", reason="MODULE_NOT_FOUND")
    return module


def _apply_course(course: m.Course, draft: CourseDraft) -> None:
    course.slug, course.title, course.summary = draft.slug, draft.title, draft.summary
    course.level, course.category = draft.level, draft.category
    course.cover_image_url = draft.cover_image_url
    course.estimated_minutes = draft.estimated_minutes
    course.required_plan = draft.required_plan or "free"


def _apply_lesson(lesson: m.Lesson, draft: LessonDraft) -> None:
    lesson.title, lesson.kind = draft.title, draft.kind
    lesson.body_markdown, lesson.video_url = draft.body_markdown, draft.video_url
    lesson.estimated_minutes = draft.estimated_minutes
    lesson.chart_json = (
        json.dumps(
            {
                "symbol": draft.chart.symbol,
                "timeframe": draft.chart.timeframe,
                "indicators": list(draft.chart.indicators),
            }
        )
        if draft.chart
        else ""
    )
    lesson.practice_json = (
        json.dumps(
            {
                "kind": draft.practice.kind,
                "symbol": draft.practice.symbol,
                "instructions": draft.practice.instructions,
            }
        )
        if draft.practice
        else ""
    )
