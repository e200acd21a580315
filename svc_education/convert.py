"""Proto <-> education domain values. No logic beyond the mapping."""

from __future__ import annotations

from google.protobuf.duration_pb2 import Duration
from trading.education.v1 import education_messages_pb2 as pb

from core.convert import optional_timestamp, timestamp
from svc_education import models as m
from svc_education.authoring import CourseDraft, LessonDraft, ModuleOrder, QuestionDraft, QuizDraft
from svc_education.records import percent
from svc_education.views import (
    ChartSpec,
    CourseOutline,
    CourseView,
    EnrollmentView,
    LessonContentView,
    LessonHit,
    LessonSummaryView,
    LessonView,
    ModuleView,
    PracticeSpec,
    ProgressUpdate,
    QuizResult,
    QuizView,
)

LEVEL_OUT = {
    "beginner": pb.COURSE_LEVEL_BEGINNER,
    "intermediate": pb.COURSE_LEVEL_INTERMEDIATE,
    "advanced": pb.COURSE_LEVEL_ADVANCED,
}
LEVEL_IN = {v: k for k, v in LEVEL_OUT.items()}
KIND_OUT = {
    "article": pb.LESSON_KIND_ARTICLE,
    "video": pb.LESSON_KIND_VIDEO,
    "quiz": pb.LESSON_KIND_QUIZ,
    "chart": pb.LESSON_KIND_CHART,
    "practice": pb.LESSON_KIND_PRACTICE,
}
KIND_IN = {v: k for k, v in KIND_OUT.items()}
TASK_OUT = {
    "open_position": pb.PRACTICE_TASK_KIND_OPEN_POSITION,
    "close_in_profit": pb.PRACTICE_TASK_KIND_CLOSE_IN_PROFIT,
    "bracket_exit": pb.PRACTICE_TASK_KIND_BRACKET_EXIT,
    "stop_loss_exit": pb.PRACTICE_TASK_KIND_STOP_LOSS_EXIT,
    "limit_with_stop_loss": pb.PRACTICE_TASK_KIND_LIMIT_WITH_STOP_LOSS,
}
TASK_IN = {v: k for k, v in TASK_OUT.items()}
STATUS_OUT = {"active": pb.ENROLLMENT_STATUS_ACTIVE, "completed": pb.ENROLLMENT_STATUS_COMPLETED}


def minutes(value: int) -> Duration:
    return Duration(seconds=value * 60)


def course_out(view: CourseView) -> pb.Course:
    c = view.course
    return pb.Course(
        id=c.id,
        slug=c.slug,
        title=c.title,
        summary=c.summary,
        level=LEVEL_OUT.get(c.level, pb.COURSE_LEVEL_UNSPECIFIED),
        category=c.category,
        cover_image_url=c.cover_image_url,
        lesson_count=view.lesson_count,
        estimated_duration=minutes(c.estimated_minutes),
        required_plan=c.required_plan,
        published_at=optional_timestamp(c.published_at),
        enrolled=view.enrolled,
        progress_percent=view.progress_percent,
        published=c.published_at is not None,
        module_count=view.module_count,
    )


def lesson_summary_out(view: LessonSummaryView) -> pb.LessonSummary:
    lesson = view.lesson
    return pb.LessonSummary(
        id=lesson.id,
        title=lesson.title,
        kind=KIND_OUT[lesson.kind],
        position=lesson.position,
        estimated_duration=minutes(lesson.estimated_minutes),
        completed=view.completed,
    )


def module_out(view: ModuleView) -> pb.CourseModule:
    mod = view.module
    return pb.CourseModule(
        id=mod.id,
        title=mod.title,
        position=mod.position,
        lessons=[lesson_summary_out(x) for x in view.lessons],
        progress_percent=percent(sum(1 for x in view.lessons if x.completed), len(view.lessons)),
    )


def enrollment_out(view: EnrollmentView | None) -> pb.Enrollment | None:
    if view is None:
        return None
    e = view.enrollment
    cert = view.certificate
    return pb.Enrollment(
        id=e.id,
        course_id=e.course_id,
        user_id=e.user_id,
        status=STATUS_OUT[e.status],
        progress_percent=view.progress_percent,
        enrolled_at=timestamp(e.enrolled_at),
        completed_at=optional_timestamp(e.completed_at),
        certificate=pb.Certificate(
            id=cert.id,
            code=cert.code,
            course_id=cert.course_id,
            user_id=cert.user_id,
            issued_at=timestamp(cert.issued_at),
        )
        if cert
        else None,
    )


def outline_out(outline: CourseOutline) -> pb.GetCourseResponse:
    return pb.GetCourseResponse(
        course=course_out(outline.course),
        modules=[module_out(x) for x in outline.modules],
        enrollment=enrollment_out(outline.enrollment),
    )


def lesson_out(lesson: m.Lesson, previous_id: str = "", next_id: str = "") -> pb.Lesson:
    return pb.Lesson(
        id=lesson.id,
        course_id=lesson.course_id,
        module_id=lesson.module_id,
        title=lesson.title,
        kind=KIND_OUT[lesson.kind],
        position=lesson.position,
        estimated_duration=minutes(lesson.estimated_minutes),
        previous_lesson_id=previous_id,
        next_lesson_id=next_id,
    )


def quiz_out(view: QuizView) -> pb.Quiz:
    return pb.Quiz(
        id=view.quiz.id,
        title=view.quiz.title,
        pass_percent=view.quiz.pass_percent,
        questions=[
            pb.QuizQuestion(
                id=q.id,
                text=q.text,
                multiple_choice=q.multiple_choice,
                options=[pb.QuizOption(id=i, text=t) for i, t in q.options],
            )
            for q in view.questions
        ],
        max_attempts=view.quiz.max_attempts,
        attempts_used=view.attempts_used,
        best_score=view.best_score,
    )


def chart_out(chart: ChartSpec | None) -> pb.ChartSpec | None:
    if chart is None:
        return None
    return pb.ChartSpec(symbol=chart.symbol, timeframe=chart.timeframe, indicators=list(chart.indicators))


def practice_out(task: PracticeSpec | None) -> pb.PracticeTask | None:
    if task is None:
        return None
    return pb.PracticeTask(kind=TASK_OUT[task.kind], symbol=task.symbol, instructions=task.instructions)


def content_out(view: LessonContentView) -> pb.LessonContent:
    return pb.LessonContent(
        body_markdown=view.body_markdown,
        video_url=view.video_url,
        quiz=quiz_out(view.quiz) if view.quiz else None,
        chart=chart_out(view.chart),
        practice=practice_out(view.practice),
        preview=view.preview,
    )


def progress_out(row: m.LessonProgress | None) -> pb.LessonProgress | None:
    if row is None:
        return None
    return pb.LessonProgress(
        lesson_id=row.lesson_id,
        completed=row.completed,
        time_spent=Duration(seconds=row.time_spent_s),
        completed_at=optional_timestamp(row.completed_at),
        updated_at=timestamp(row.updated_at),
    )


def lesson_view_out(view: LessonView) -> pb.GetLessonResponse:
    return pb.GetLessonResponse(
        lesson=lesson_out(view.lesson, view.previous_lesson_id, view.next_lesson_id),
        content=content_out(view.content),
        progress=progress_out(view.progress),
    )


def progress_update_out(update: ProgressUpdate) -> pb.UpdateLessonProgressResponse:
    return pb.UpdateLessonProgressResponse(
        updated=update.updated,
        progress=progress_out(update.progress),
        enrollment=enrollment_out(update.enrollment),
    )


def quiz_result_out(result: QuizResult) -> pb.SubmitQuizResponse:
    return pb.SubmitQuizResponse(
        attempt_id=result.attempt_id,
        score=result.score,
        correct_answers=result.correct,
        total_questions=result.total,
        passed=result.passed,
        results=[
            pb.QuestionResult(
                question_id=x.question_id,
                correct=x.correct,
                correct_option_ids=x.correct_option_ids,
                explanation=x.explanation,
            )
            for x in result.marks
        ],
        best_score=result.best_score,
        attempts_left=result.attempts_left,
    )


def answers_in(request: pb.SubmitQuizRequest) -> list[tuple[str, list[str]]]:
    return [(a.question_id, list(a.option_ids)) for a in request.answers]


def hit_out(hit: LessonHit) -> pb.LessonHit:
    return pb.LessonHit(
        lesson_id=hit.lesson_id,
        lesson_title=hit.lesson_title,
        course_id=hit.course_id,
        course_slug=hit.course_slug,
        course_title=hit.course_title,
        snippet=hit.snippet,
        rank=hit.rank,
    )


def course_draft_in(draft: pb.CourseDraft) -> CourseDraft:
    return CourseDraft(
        slug=draft.slug,
        title=draft.title,
        level=LEVEL_IN[draft.level],
        category=draft.category,
        summary=draft.summary,
        cover_image_url=draft.cover_image_url,
        estimated_minutes=draft.estimated_duration.seconds // 60,
        required_plan=draft.required_plan or "free",
    )


def lesson_draft_in(draft: pb.LessonDraft) -> LessonDraft:
    return LessonDraft(
        title=draft.title,
        kind=KIND_IN[draft.kind],
        body_markdown=draft.body_markdown,
        video_url=draft.video_url,
        estimated_minutes=draft.estimated_duration.seconds // 60,
        chart=ChartSpec(draft.chart.symbol, draft.chart.timeframe, tuple(draft.chart.indicators))
        if draft.HasField("chart")
        else None,
        practice=PracticeSpec(
            TASK_IN[draft.practice.kind], draft.practice.symbol, draft.practice.instructions
        )
        if draft.HasField("practice")
        else None,
    )


def quiz_draft_in(request: pb.SetLessonQuizRequest) -> QuizDraft:
    return QuizDraft(
        title=request.title,
        pass_percent=request.pass_percent,
        max_attempts=request.max_attempts,
        questions=[
            QuestionDraft(
                text=q.text,
                options=[(o.id, o.text) for o in q.options],
                correct_option_ids=list(q.correct_option_ids),
                explanation=q.explanation,
            )
            for q in request.questions
        ],
    )


def order_in(request: pb.ReorderCourseRequest) -> list[ModuleOrder]:
    return [ModuleOrder(o.module_id, list(o.lesson_ids)) for o in request.modules]
