"""A learner's path through the demo courses, on SQLite and PostgreSQL: the catalogue, enrolment,
lessons, progress, quizzes and course completion, and every bad input refused without a change."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import func, select

from core.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from svc_education import models as m
from svc_education.practice import PracticeWatcher
from svc_education.views import Caller, CourseOutline
from tests.education.conftest import ADMIN, ANA, BEN, CANDLES, ML, PRO, RISK, Kit, filled_order

UNKNOWN = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def lessons(outline: CourseOutline, kind: str = "") -> list[m.Lesson]:
    return [x.lesson for mod in outline.modules for x in mod.lessons if not kind or x.lesson.kind == kind]


async def quiz_of(kit: Kit, lesson_id: str) -> tuple[m.Quiz, list[m.Question]]:
    async with kit.db.session() as s:
        quiz = (await s.execute(select(m.Quiz).where(m.Quiz.lesson_id == lesson_id))).scalar_one()
        questions = (
            await s.execute(
                select(m.Question).where(m.Question.quiz_id == quiz.id).order_by(m.Question.position)
            )
        ).scalars()
        return quiz, list(questions)


def right_answers(questions: list[m.Question]) -> list[tuple[str, list[str]]]:
    return [(q.id, json.loads(q.correct_json)) for q in questions]


def wrong_answers(questions: list[m.Question]) -> list[tuple[str, list[str]]]:
    out = []
    for q in questions:
        right = set(json.loads(q.correct_json))
        wrong = next(o["id"] for o in json.loads(q.options_json) if o["id"] not in right)
        out.append((q.id, [wrong]))
    return out


async def count(kit: Kit, model: type) -> int:
    async with kit.db.session() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_the_catalogue_filters_by_level_and_category_and_pages(seeded: Kit) -> None:
    cat = seeded.edu.catalogue
    everything = await cat.list_courses(ANA)
    assert {c.course.slug for c in everything.courses} == {CANDLES, RISK, ML}
    assert all(c.lesson_count > 0 and c.module_count > 0 and not c.enrolled for c in everything.courses)

    intermediate = await cat.list_courses(ANA, level="intermediate")
    assert [c.course.slug for c in intermediate.courses] == [ML]
    risk = await cat.list_courses(ANA, category="risk-management")
    assert [c.course.slug for c in risk.courses] == [RISK]
    assert (await cat.list_courses(ANA, level="advanced")).courses == []

    first = await cat.list_courses(ANA, page_size=2)
    second = await cat.list_courses(ANA, page_size=2, page_token=first.next_page_token)
    assert len(first.courses) == 2
    assert len(second.courses) == 1
    assert second.next_page_token == ""
    assert {c.course.slug for c in first.courses + second.courses} == {CANDLES, RISK, ML}
    with pytest.raises(InvalidArgument):
        await cat.list_courses(ANA, page_token="not-a-token")


async def test_a_course_shows_its_outline_and_the_learners_progress(seeded: Kit) -> None:
    edu = seeded.edu
    outline = await edu.catalogue.get_course(ANA, CANDLES)
    assert outline.enrollment is None
    assert outline.course.progress_percent == 0
    assert [mod.module.position for mod in outline.modules] == [1, 2, 3]
    assert {x.kind for x in lessons(outline)} == {"article", "chart", "quiz", "practice"}

    await edu.enrolment.enroll(ANA, outline.course.course.id)
    articles = lessons(outline, "article")
    for lesson in articles[:3]:
        await edu.progress.update(ANA, lesson.id, completed=True, time_spent_s=60)
    again = await edu.catalogue.get_course(ANA, CANDLES)
    done = {x.lesson.id for mod in again.modules for x in mod.lessons if x.completed}
    assert done == {lesson.id for lesson in articles[:3]}
    total = len(lessons(again))
    assert again.enrollment is not None
    assert again.enrollment.progress_percent == again.course.progress_percent == 300 // total
    listed = {c.course.slug: c for c in (await edu.catalogue.list_courses(ANA)).courses}
    assert listed[CANDLES].enrolled
    assert listed[CANDLES].progress_percent == 300 // total
    # Another learner sees nothing of Ana's progress.
    assert (await edu.catalogue.get_course(BEN, CANDLES)).course.progress_percent == 0


async def test_unknown_slugs_and_ids_are_not_found(seeded: Kit) -> None:
    edu = seeded.edu
    with pytest.raises(NotFound) as course:
        await edu.catalogue.get_course(ANA, "no-such-course")
    assert course.value.reason == "COURSE_NOT_FOUND"
    with pytest.raises(NotFound):
        await edu.enrolment.enroll(ANA, UNKNOWN)
    with pytest.raises(NotFound) as lesson:
        await edu.catalogue.get_lesson(ANA, UNKNOWN)
    assert lesson.value.reason == "LESSON_NOT_FOUND"
    with pytest.raises(NotFound):
        await edu.progress.update(ANA, UNKNOWN, completed=True, time_spent_s=1)
    with pytest.raises(NotFound) as quiz:
        await edu.quizzes.submit(ANA, UNKNOWN, [(UNKNOWN, ["a"])])
    assert quiz.value.reason == "QUIZ_NOT_FOUND"


async def test_enrolling_again_or_concurrently_gives_one_enrolment(seeded: Kit) -> None:
    edu = seeded.edu
    course = (await edu.catalogue.get_course(ANA, RISK)).course.course
    results = await asyncio.gather(*(edu.enrolment.enroll(ANA, course.id) for _ in range(8)))
    assert len({r.enrollment.id for r in results}) == 1
    again = await edu.enrolment.enroll(ANA, course.id)
    assert again.enrollment.id == results[0].enrollment.id
    assert again.enrollment.status == "active"
    assert again.progress_percent == 0
    assert await count(seeded, m.Enrollment) == 1


async def test_a_course_above_the_learners_plan_is_refused_naming_the_plan(seeded: Kit) -> None:
    edu = seeded.edu
    course = (await edu.catalogue.get_course(ANA, ML)).course.course
    assert course.required_plan == "pro"
    with pytest.raises(PermissionDenied) as refused:
        await edu.enrolment.enroll(ANA, course.id)
    assert refused.value.reason == "PLAN_REQUIRED"
    assert refused.value.metadata["required_plan"] == "pro"
    assert "pro" in refused.value.message
    assert await count(seeded, m.Enrollment) == 0
    premium = Caller("pat", "premium")
    assert (await edu.enrolment.enroll(PRO, course.id)).enrollment.user_id == PRO.user_id
    assert (await edu.enrolment.enroll(premium, course.id)).enrollment.user_id == "pat"


async def test_a_lesson_is_whole_for_the_enrolled_and_a_preview_for_others(seeded: Kit) -> None:
    edu = seeded.edu
    outline = await edu.catalogue.get_course(ANA, CANDLES)
    [quiz_lesson] = lessons(outline, "quiz")
    article = lessons(outline, "article")[0]

    preview = await edu.catalogue.get_lesson(ANA, article.id)
    assert preview.content.preview
    assert preview.content.quiz is None
    body = (await edu.catalogue.get_lesson(ADMIN, article.id)).content.body_markdown  # an author reads all
    assert body.startswith(preview.content.body_markdown.rstrip("…"))
    assert len(preview.content.body_markdown) < len(body)
    assert (await edu.catalogue.get_lesson(ANA, quiz_lesson.id)).content.quiz is None

    await edu.enrolment.enroll(ANA, outline.course.course.id)
    whole = await edu.catalogue.get_lesson(ANA, article.id)
    assert not whole.content.preview
    assert whole.content.body_markdown == body
    assert whole.previous_lesson_id == ""
    assert whole.next_lesson_id == lessons(outline)[1].id
    quiz = (await edu.catalogue.get_lesson(ANA, quiz_lesson.id)).content.quiz
    assert quiz is not None
    assert quiz.quiz.max_attempts == 3
    assert quiz.attempts_used == 0
    assert all(len(q.options) >= 2 for q in quiz.questions)
    chart = (await edu.catalogue.get_lesson(ANA, lessons(outline, "chart")[1].id)).content.chart
    assert chart is not None
    assert "rsi_14" in chart.indicators
    practice = (await edu.catalogue.get_lesson(ANA, lessons(outline, "practice")[0].id)).content.practice
    assert practice is not None
    assert practice.kind == "open_position"


async def test_time_only_grows_and_a_completion_never_goes_back(seeded: Kit) -> None:
    edu = seeded.edu
    outline = await edu.catalogue.get_course(ANA, RISK)
    await edu.enrolment.enroll(ANA, outline.course.course.id)
    lesson = lessons(outline, "article")[0]

    first = await edu.progress.update(ANA, lesson.id, completed=False, time_spent_s=120)
    assert first.updated
    assert first.progress.time_spent_s == 120
    assert not first.progress.completed
    done = await edu.progress.update(ANA, lesson.id, completed=True, time_spent_s=30)
    assert done.progress.completed
    assert done.progress.time_spent_s == 150
    completed_at = done.progress.completed_at
    seeded.clock.advance(60)
    back = await edu.progress.update(ANA, lesson.id, completed=False, time_spent_s=0)
    assert not back.updated
    assert back.progress.completed
    assert back.progress.time_spent_s == 150
    assert back.progress.completed_at == completed_at
    assert back.enrollment.progress_percent == 100 // len(lessons(outline))


async def test_bad_progress_is_refused_and_changes_nothing(seeded: Kit) -> None:
    edu = seeded.edu
    risk = await edu.catalogue.get_course(ANA, RISK)
    candles = await edu.catalogue.get_course(ANA, CANDLES)
    lesson = lessons(risk, "article")[0]
    with pytest.raises(PermissionDenied) as not_enrolled:
        await edu.progress.update(ANA, lesson.id, completed=True, time_spent_s=10)
    assert not_enrolled.value.reason == "NOT_ENROLLED"
    assert not_enrolled.value.metadata["course_slug"] == RISK

    await edu.enrolment.enroll(ANA, risk.course.course.id)
    with pytest.raises(InvalidArgument) as negative:
        await edu.progress.update(ANA, lesson.id, completed=True, time_spent_s=-5)
    assert negative.value.violations[0][0] == "time_spent"
    with pytest.raises(InvalidArgument) as other_course:
        await edu.progress.update(
            ANA, lesson.id, completed=True, time_spent_s=5, course_id=candles.course.course.id
        )
    assert other_course.value.reason == "LESSON_NOT_IN_COURSE"
    [quiz_lesson] = lessons(risk, "quiz")
    with pytest.raises(FailedPrecondition):
        await edu.progress.update(ANA, quiz_lesson.id, completed=True, time_spent_s=5)
    with pytest.raises(FailedPrecondition):
        await edu.progress.update(ANA, lessons(risk, "practice")[0].id, completed=True, time_spent_s=5)
    assert await count(seeded, m.LessonProgress) == 0


async def test_a_quiz_marks_keeps_the_best_score_and_limits_attempts(seeded: Kit) -> None:
    edu = seeded.edu
    outline = await edu.catalogue.get_course(ANA, CANDLES)
    [lesson] = lessons(outline, "quiz")
    quiz, questions = await quiz_of(seeded, lesson.id)
    await edu.enrolment.enroll(ANA, outline.course.course.id)

    wrong = await edu.quizzes.submit(ANA, quiz.id, wrong_answers(questions))
    assert (wrong.score, wrong.correct, wrong.total, wrong.passed) == (0, 0, len(questions), False)
    assert all(x.correct_option_ids and x.explanation for x in wrong.marks)
    assert wrong.attempts_left == 2
    half = right_answers(questions)[: len(questions) // 2]  # the rest unanswered: wrong
    partial = await edu.quizzes.submit(ANA, quiz.id, half)
    assert partial.score == 100 * (len(questions) // 2) // len(questions)
    assert not partial.passed
    best = await edu.quizzes.submit(ANA, quiz.id, right_answers(questions))
    assert (best.score, best.passed, best.best_score, best.attempts_left) == (100, True, 100, 0)
    with pytest.raises(FailedPrecondition) as exhausted:
        await edu.quizzes.submit(ANA, quiz.id, wrong_answers(questions))
    assert exhausted.value.reason == "QUIZ_ATTEMPTS_EXHAUSTED"
    view = (await edu.catalogue.get_lesson(ANA, lesson.id)).content.quiz
    assert view is not None
    assert (view.attempts_used, view.best_score) == (3, 100)
    progress = (await edu.catalogue.get_lesson(ANA, lesson.id)).progress
    assert progress is not None
    assert progress.completed


async def test_answers_that_do_not_fit_the_quiz_are_refused_and_not_counted(seeded: Kit) -> None:
    edu = seeded.edu
    outline = await edu.catalogue.get_course(ANA, CANDLES)
    [lesson] = lessons(outline, "quiz")
    quiz, questions = await quiz_of(seeded, lesson.id)
    right = right_answers(questions)
    with pytest.raises(PermissionDenied):
        await edu.quizzes.submit(ANA, quiz.id, right)
    await edu.enrolment.enroll(ANA, outline.course.course.id)

    bad_sets = {
        "a question of another quiz": [*right, (UNKNOWN, ["a"])],
        "a question answered twice": [*right, right[0]],
        "an option out of range": [(questions[0].id, ["z"])],
        "two options on a single-choice question": [(questions[0].id, ["a", "b"])],
    }
    for name, answers in bad_sets.items():
        with pytest.raises(InvalidArgument) as refused:
            await edu.quizzes.submit(ANA, quiz.id, answers)
        assert refused.value.violations, name
    assert await count(seeded, m.QuizAttempt) == 0
    assert (await edu.quizzes.submit(ANA, quiz.id, right)).attempts_left == 2


async def test_every_lesson_completed_completes_the_course_with_a_certificate(seeded: Kit) -> None:
    edu = seeded.edu
    outline = await edu.catalogue.get_course(ANA, CANDLES)
    await edu.enrolment.enroll(ANA, outline.course.course.id)
    for lesson in lessons(outline):
        if lesson.kind in ("article", "chart", "video"):
            await edu.progress.update(ANA, lesson.id, completed=True, time_spent_s=60)
    [quiz_lesson] = lessons(outline, "quiz")
    quiz, questions = await quiz_of(seeded, quiz_lesson.id)
    await edu.quizzes.submit(ANA, quiz.id, right_answers(questions))
    before = (await edu.catalogue.get_course(ANA, CANDLES)).enrollment
    assert before is not None
    assert before.enrollment.status == "active"
    assert before.certificate is None
    assert 0 < before.progress_percent < 100

    seeded.clock.advance(5)
    watcher = PracticeWatcher(seeded.db, seeded.ctx.bus, seeded.clock)
    [practice] = lessons(outline, "practice")
    assert await watcher.handle(filled_order(ANA.user_id, seeded.clock)) == [practice.id]
    after = (await edu.catalogue.get_course(ANA, CANDLES)).enrollment
    assert after is not None
    assert after.enrollment.status == "completed"
    assert after.progress_percent == 100
    assert after.certificate is not None
    assert len(after.certificate.code) == 10
    assert after.enrollment.completed_at == after.certificate.issued_at
    assert await count(seeded, m.Certificate) == 1


async def test_concurrent_attempts_never_exceed_the_quizs_limit(seeded: Kit) -> None:
    edu = seeded.edu
    outline = await edu.catalogue.get_course(ANA, RISK)
    [lesson] = lessons(outline, "quiz")
    quiz, questions = await quiz_of(seeded, lesson.id)
    await edu.enrolment.enroll(ANA, outline.course.course.id)
    tries = [edu.quizzes.submit(ANA, quiz.id, wrong_answers(questions)) for _ in range(6)]
    results = await asyncio.gather(*tries, return_exceptions=True)
    marked = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, FailedPrecondition)]
    assert (len(marked), len(refused)) == (quiz.max_attempts, 6 - quiz.max_attempts)
    assert sorted(r.attempts_left for r in marked) == list(range(quiz.max_attempts))
    assert await count(seeded, m.QuizAttempt) == quiz.max_attempts


async def test_concurrent_progress_updates_add_up_and_complete_the_course_once(seeded: Kit) -> None:
    edu = seeded.edu
    outline = await edu.catalogue.get_course(ANA, CANDLES)
    await edu.enrolment.enroll(ANA, outline.course.course.id)
    first = lessons(outline, "article")[0]
    updates = [edu.progress.update(ANA, first.id, completed=i == 3, time_spent_s=10) for i in range(6)]
    await asyncio.gather(*updates)
    progress = (await edu.catalogue.get_lesson(ANA, first.id)).progress
    assert progress is not None
    assert (progress.time_spent_s, progress.completed) == (60, True)

    # Every other by-hand lesson at once, with the quiz and the practice lesson racing them.
    [quiz_lesson] = lessons(outline, "quiz")
    quiz, questions = await quiz_of(seeded, quiz_lesson.id)
    seeded.clock.advance(5)
    watcher = PracticeWatcher(seeded.db, seeded.ctx.bus, seeded.clock)
    rest = [x for x in lessons(outline) if x.kind in ("article", "chart") and x.id != first.id]
    await asyncio.gather(
        *(edu.progress.update(ANA, x.id, completed=True, time_spent_s=1) for x in rest),
        edu.quizzes.submit(ANA, quiz.id, right_answers(questions)),
        watcher.handle(filled_order(ANA.user_id, seeded.clock)),
    )
    enrollment = (await edu.catalogue.get_course(ANA, CANDLES)).enrollment
    assert enrollment is not None
    assert (enrollment.enrollment.status, enrollment.progress_percent) == ("completed", 100)
    assert await count(seeded, m.Certificate) == 1


def test_a_preview_is_the_opening_paragraphs_that_fit() -> None:
    from svc_education.catalogue import preview_of

    text = "First paragraph.\n\nSecond one here.\n\nThird, which does not fit."
    assert preview_of(text, 40) == "First paragraph.\n\nSecond one here."
    assert preview_of("x" * 50 + "\n\nmore", 10) == "x" * 10 + "…"
    assert preview_of("", 10) == ""
