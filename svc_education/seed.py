"""The demo courses of `content/`, written on first start through the authoring domain.

Each file is one course (YAML: the course, its modules, their lessons; a quiz lesson carries its
questions). A course whose slug exists is left alone, so seeding again changes nothing; the course
is published last, so a start cut short never shows a half-written course.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

from core.errors import AlreadyExists
from core.service import ServiceContext
from svc_education.authoring import Authoring, CourseDraft, LessonDraft, QuestionDraft, QuizDraft
from svc_education.config import EducationSettings
from svc_education.views import Caller, ChartSpec, PracticeSpec

log = logging.getLogger(__name__)
CONTENT = Path(__file__).parent / "content"
SEEDER = Caller(user_id="education-seed", plan="premium", roles=frozenset({"admin"}))


def load_course(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def course_files() -> list[Path]:
    return sorted(CONTENT.glob("*.yaml"))


async def seed_demo_courses(ctx: ServiceContext, settings: EducationSettings) -> list[str]:
    """Write every demo course not there yet; returns the slugs written now."""
    if not settings.seed_demo_courses:
        return []
    authoring = Authoring(ctx.db, ctx.clock)
    written = []
    for path in course_files():
        data = load_course(path)
        try:
            await write_course(authoring, data)
        except AlreadyExists:
            continue
        written.append(data["slug"])
        log.info("demo course written", extra={"fields": {"slug": data["slug"]}})
    return written


async def write_course(authoring: Authoring, data: dict[str, Any]) -> str:
    course = await authoring.create_course(
        SEEDER,
        CourseDraft(
            slug=data["slug"],
            title=data["title"],
            level=data["level"],
            category=data["category"],
            summary=data.get("summary", "").strip(),
            cover_image_url=data.get("cover_image_url", ""),
            estimated_minutes=int(data.get("estimated_minutes", 0)),
            required_plan=data.get("required_plan", "free"),
        ),
    )
    course_id = course.course.id
    for module_data in data["modules"]:
        module = await authoring.create_module(SEEDER, course_id, module_data["title"])
        for lesson_data in module_data["lessons"]:
            lesson = await authoring.create_lesson(SEEDER, module.module.id, lesson_draft(lesson_data))
            if "quiz" in lesson_data:
                await authoring.set_quiz(SEEDER, lesson.id, quiz_draft(lesson_data["quiz"]))
    await authoring.publish(SEEDER, course_id, True)
    return course_id


def lesson_draft(data: dict[str, Any]) -> LessonDraft:
    chart = data.get("chart")
    practice = data.get("practice")
    return LessonDraft(
        title=data["title"],
        kind=data["kind"],
        body_markdown=data.get("body", "").strip(),
        video_url=data.get("video_url", ""),
        estimated_minutes=int(data.get("minutes", 0)),
        chart=ChartSpec(chart["symbol"], chart["timeframe"], tuple(chart.get("indicators", ())))
        if chart
        else None,
        practice=PracticeSpec(
            practice["kind"], practice.get("symbol", ""), practice.get("instructions", "").strip()
        )
        if practice
        else None,
    )


def quiz_draft(data: dict[str, Any]) -> QuizDraft:
    return QuizDraft(
        title=data["title"],
        pass_percent=int(data["pass_percent"]),
        max_attempts=int(data.get("max_attempts", 0)),
        questions=[
            QuestionDraft(
                text=q["text"].strip(),
                options=[(str(k), str(v)) for k, v in q["options"].items()],
                correct_option_ids=[str(x) for x in q["correct"]],
                explanation=q.get("explanation", "").strip(),
            )
            for q in data["questions"]
        ],
    )
