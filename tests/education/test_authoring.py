"""Authoring on SQLite and PostgreSQL: only admins and instructors write; a course is built,
published, reordered and unpublished; inconsistent drafts are refused without a change."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from svc_education import models as m
from svc_education.authoring import CourseDraft, LessonDraft, ModuleOrder, QuestionDraft, QuizDraft
from svc_education.views import ChartSpec, PracticeSpec
from tests.education.conftest import ADMIN, ANA, CANDLES, INSTRUCTOR, Kit

DRAFT = CourseDraft(slug="options-101", title="Options 101", level="advanced", category="options")
ARTICLE = LessonDraft(title="Calls and puts", kind="article", body_markdown="A call is the right to buy.")
UNKNOWN = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
QUIZ = QuizDraft(
    title="Options",
    pass_percent=50,
    max_attempts=2,
    questions=[
        QuestionDraft("A call gives the right to...", [("a", "buy"), ("b", "sell")], ["a"], "By definition.")
    ],
)


async def courses(kit: Kit) -> int:
    async with kit.db.session() as s:
        return (await s.execute(select(func.count()).select_from(m.Course))).scalar_one()


async def test_learners_cannot_write_anything(seeded: Kit) -> None:
    authoring = seeded.edu.authoring
    course = (await seeded.edu.catalogue.get_course(ANA, CANDLES)).course.course
    outline = await seeded.edu.catalogue.get_course(ANA, CANDLES)
    module_id = outline.modules[0].module.id
    lesson_id = outline.modules[0].lessons[0].lesson.id
    attempts = [
        authoring.create_course(ANA, DRAFT),
        authoring.update_course(ANA, course.id, DRAFT),
        authoring.publish(ANA, course.id, False),
        authoring.create_module(ANA, course.id, "More"),
        authoring.update_module(ANA, module_id, "Renamed"),
        authoring.create_lesson(ANA, module_id, ARTICLE),
        authoring.update_lesson(ANA, lesson_id, ARTICLE),
        authoring.set_quiz(ANA, lesson_id, QUIZ),
        authoring.reorder(ANA, course.id, []),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as refused:
            await attempt
        assert refused.value.reason == "AUTHOR_ROLE_REQUIRED"
    assert (await seeded.edu.catalogue.get_course(ANA, CANDLES)).course.course.published_at is not None


async def test_an_instructor_builds_publishes_reorders_and_unpublishes_a_course(kit: Kit) -> None:
    authoring, catalogue = kit.edu.authoring, kit.edu.catalogue
    course = (await authoring.create_course(INSTRUCTOR, DRAFT)).course
    with pytest.raises(NotFound):  # unpublished: learners do not see it
        await catalogue.get_course(ANA, DRAFT.slug)
    with pytest.raises(FailedPrecondition):
        await authoring.publish(INSTRUCTOR, course.id, True)  # no lessons yet
    first = (await authoring.create_module(INSTRUCTOR, course.id, "Basics")).module
    second = (await authoring.create_module(INSTRUCTOR, course.id, "Greeks")).module
    article = await authoring.create_lesson(INSTRUCTOR, first.id, ARTICLE)
    quiz_lesson = await authoring.create_lesson(INSTRUCTOR, first.id, LessonDraft("Check", "quiz"))
    chart = await authoring.create_lesson(
        INSTRUCTOR, second.id, LessonDraft("Delta", "chart", chart=ChartSpec("SPX", "1d", ("sma_50",)))
    )
    quiz = await authoring.set_quiz(INSTRUCTOR, quiz_lesson.id, QUIZ)
    assert (quiz.quiz.max_attempts, len(quiz.questions)) == (2, 1)
    again = await authoring.set_quiz(INSTRUCTOR, quiz_lesson.id, QUIZ)  # replaced, same quiz
    assert again.quiz.id == quiz.quiz.id
    await authoring.update_module(INSTRUCTOR, second.id, "The Greeks")
    published = await authoring.publish(INSTRUCTOR, course.id, True)
    assert published.course.published_at is not None
    assert published.lesson_count == 3

    order = [ModuleOrder(second.id, [chart.id, article.id]), ModuleOrder(first.id, [quiz_lesson.id])]
    await authoring.reorder(INSTRUCTOR, course.id, order)
    outline = await catalogue.get_course(ANA, DRAFT.slug)
    assert [(mod.module.title, [x.lesson.id for x in mod.lessons]) for mod in outline.modules] == [
        ("The Greeks", [chart.id, article.id]),
        ("Basics", [quiz_lesson.id]),
    ]
    assert [x.lesson.position for x in outline.modules[0].lessons] == [1, 2]

    updated = await authoring.update_course(
        INSTRUCTOR, course.id, CourseDraft(**{**DRAFT.__dict__, "title": "Options"})
    )
    assert updated.course.title == "Options"
    await authoring.publish(ADMIN, course.id, False)
    with pytest.raises(NotFound):
        await catalogue.get_course(ANA, DRAFT.slug)
    assert (await catalogue.get_course(ADMIN, DRAFT.slug)).course.course.published_at is None


async def test_inconsistent_drafts_are_refused_and_change_nothing(seeded: Kit) -> None:
    authoring = seeded.edu.authoring
    outline = await seeded.edu.catalogue.get_course(ADMIN, CANDLES)
    course_id = outline.course.course.id
    module_id = outline.modules[0].module.id
    article_id = outline.modules[0].lessons[0].lesson.id
    before = await courses(seeded)

    with pytest.raises(AlreadyExists):
        await authoring.create_course(
            ADMIN, CourseDraft(slug=CANDLES, title="Again", level="beginner", category="x")
        )
    with pytest.raises(InvalidArgument):
        await authoring.create_course(ADMIN, CourseDraft(slug="x-1", title="X", level="expert", category="x"))
    with pytest.raises(InvalidArgument):
        await authoring.create_course(ADMIN, CourseDraft(**{**DRAFT.__dict__, "required_plan": "gold"}))
    bad_lessons = [
        LessonDraft("Video without a URL", "video"),
        LessonDraft("Chart without a chart", "chart"),
        LessonDraft("Practice without a task", "practice"),
        LessonDraft("Unknown task", "practice", practice=PracticeSpec("win_the_lottery")),
        LessonDraft("Unknown kind", "podcast"),
    ]
    for draft in bad_lessons:
        with pytest.raises(InvalidArgument):
            await authoring.create_lesson(ADMIN, module_id, draft)
    with pytest.raises(InvalidArgument):  # a lesson keeps its kind
        await authoring.update_lesson(ADMIN, article_id, LessonDraft("Now a quiz", "quiz"))
    with pytest.raises(FailedPrecondition):
        await authoring.set_quiz(ADMIN, article_id, QUIZ)
    inconsistent = QuizDraft("Q", 50, [QuestionDraft("?", [("a", "x"), ("a", "y")], ["c"])])
    [quiz_lesson] = [x.lesson for mod in outline.modules for x in mod.lessons if x.lesson.kind == "quiz"]
    with pytest.raises(InvalidArgument) as refused:
        await authoring.set_quiz(ADMIN, quiz_lesson.id, inconsistent)
    assert {path for path, _ in refused.value.violations} == {
        "questions[0].options",
        "questions[0].correct_option_ids",
    }
    with pytest.raises(InvalidArgument):  # a module left out
        await authoring.reorder(ADMIN, course_id, [ModuleOrder(module_id, [article_id])])
    with pytest.raises(NotFound):
        await authoring.create_lesson(ADMIN, UNKNOWN, ARTICLE)
    with pytest.raises(NotFound):
        await authoring.create_module(ADMIN, UNKNOWN, "M")

    assert await courses(seeded) == before
    after = await seeded.edu.catalogue.get_course(ADMIN, CANDLES)
    assert [[x.lesson.id for x in mod.lessons] for mod in after.modules] == [
        [x.lesson.id for x in mod.lessons] for mod in outline.modules
    ]


async def test_seeding_again_writes_nothing(seeded: Kit) -> None:
    from svc_education.config import EducationSettings
    from svc_education.seed import seed_demo_courses

    before = await courses(seeded)
    assert await seed_demo_courses(seeded.ctx, EducationSettings()) == []
    assert await courses(seeded) == before == 3
