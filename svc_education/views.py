"""What the education domain answers with: plain values, no transport types."""

from __future__ import annotations

from dataclasses import dataclass, field

from svc_education import models as m


@dataclass(frozen=True)
class ChartSpec:
    """The chart an interactive chart lesson shows."""

    symbol: str
    timeframe: str
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True)
class PracticeSpec:
    """The paper-account task of a practice lesson."""

    kind: str  # a key of svc_education.practice.CHECKS
    symbol: str = ""
    instructions: str = ""


@dataclass(frozen=True)
class CourseView:
    """A course with the caller's standing in it."""

    course: m.Course
    lesson_count: int
    module_count: int
    enrolled: bool = False
    progress_percent: int = 0


@dataclass(frozen=True)
class LessonSummaryView:
    lesson: m.Lesson
    completed: bool = False


@dataclass(frozen=True)
class ModuleView:
    module: m.Module
    lessons: list[LessonSummaryView] = field(default_factory=list)


@dataclass(frozen=True)
class EnrollmentView:
    """An enrolment with its progress and, once the course is completed, its certificate."""

    enrollment: m.Enrollment
    progress_percent: int
    certificate: m.Certificate | None = None


@dataclass(frozen=True)
class CourseOutline:
    course: CourseView
    modules: list[ModuleView]
    enrollment: EnrollmentView | None


@dataclass(frozen=True)
class QuestionView:
    id: str
    text: str
    multiple_choice: bool
    options: list[tuple[str, str]]  # (id, text)


@dataclass(frozen=True)
class QuizView:
    """A quiz as a learner sees it: no answers, with the learner's attempts and best score."""

    quiz: m.Quiz
    questions: list[QuestionView]
    attempts_used: int = 0
    best_score: int = 0


@dataclass(frozen=True)
class LessonContentView:
    body_markdown: str
    video_url: str = ""
    quiz: QuizView | None = None
    chart: ChartSpec | None = None
    practice: PracticeSpec | None = None
    preview: bool = False


@dataclass(frozen=True)
class LessonView:
    lesson: m.Lesson
    previous_lesson_id: str
    next_lesson_id: str
    content: LessonContentView
    progress: m.LessonProgress | None


@dataclass(frozen=True)
class ProgressUpdate:
    updated: bool
    progress: m.LessonProgress
    enrollment: EnrollmentView


@dataclass(frozen=True)
class QuestionMark:
    question_id: str
    correct: bool
    correct_option_ids: list[str]
    explanation: str


@dataclass(frozen=True)
class QuizResult:
    attempt_id: str
    score: int
    correct: int
    total: int
    passed: bool
    marks: list[QuestionMark]
    best_score: int
    attempts_left: int  # -1: unlimited


@dataclass(frozen=True)
class LessonHit:
    lesson_id: str
    lesson_title: str
    course_id: str
    course_slug: str
    course_title: str
    snippet: str
    rank: float


@dataclass(frozen=True)
class Page:
    courses: list[CourseView]
    next_page_token: str


@dataclass(frozen=True)
class Caller:
    """Who asks: a learner (user id and plan) who may also be an author."""

    user_id: str
    plan: str = "free"
    roles: frozenset[str] = frozenset()

    @property
    def is_author(self) -> bool:
        return bool(self.roles & AUTHOR_ROLES)


AUTHOR_ROLES = frozenset({"admin", "instructor"})
