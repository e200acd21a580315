import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from trading.common.v1 import paging_pb2 as _paging_pb2
from trading.common.v1 import symbol_pb2 as _symbol_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CourseLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COURSE_LEVEL_UNSPECIFIED: _ClassVar[CourseLevel]
    COURSE_LEVEL_BEGINNER: _ClassVar[CourseLevel]
    COURSE_LEVEL_INTERMEDIATE: _ClassVar[CourseLevel]
    COURSE_LEVEL_ADVANCED: _ClassVar[CourseLevel]

class LessonKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LESSON_KIND_UNSPECIFIED: _ClassVar[LessonKind]
    LESSON_KIND_ARTICLE: _ClassVar[LessonKind]
    LESSON_KIND_VIDEO: _ClassVar[LessonKind]
    LESSON_KIND_QUIZ: _ClassVar[LessonKind]
    LESSON_KIND_CHART: _ClassVar[LessonKind]
    LESSON_KIND_PRACTICE: _ClassVar[LessonKind]

class PracticeTaskKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRACTICE_TASK_KIND_UNSPECIFIED: _ClassVar[PracticeTaskKind]
    PRACTICE_TASK_KIND_OPEN_POSITION: _ClassVar[PracticeTaskKind]
    PRACTICE_TASK_KIND_CLOSE_IN_PROFIT: _ClassVar[PracticeTaskKind]
    PRACTICE_TASK_KIND_BRACKET_EXIT: _ClassVar[PracticeTaskKind]
    PRACTICE_TASK_KIND_STOP_LOSS_EXIT: _ClassVar[PracticeTaskKind]
    PRACTICE_TASK_KIND_LIMIT_WITH_STOP_LOSS: _ClassVar[PracticeTaskKind]

class EnrollmentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENROLLMENT_STATUS_UNSPECIFIED: _ClassVar[EnrollmentStatus]
    ENROLLMENT_STATUS_ACTIVE: _ClassVar[EnrollmentStatus]
    ENROLLMENT_STATUS_COMPLETED: _ClassVar[EnrollmentStatus]
COURSE_LEVEL_UNSPECIFIED: CourseLevel
COURSE_LEVEL_BEGINNER: CourseLevel
COURSE_LEVEL_INTERMEDIATE: CourseLevel
COURSE_LEVEL_ADVANCED: CourseLevel
LESSON_KIND_UNSPECIFIED: LessonKind
LESSON_KIND_ARTICLE: LessonKind
LESSON_KIND_VIDEO: LessonKind
LESSON_KIND_QUIZ: LessonKind
LESSON_KIND_CHART: LessonKind
LESSON_KIND_PRACTICE: LessonKind
PRACTICE_TASK_KIND_UNSPECIFIED: PracticeTaskKind
PRACTICE_TASK_KIND_OPEN_POSITION: PracticeTaskKind
PRACTICE_TASK_KIND_CLOSE_IN_PROFIT: PracticeTaskKind
PRACTICE_TASK_KIND_BRACKET_EXIT: PracticeTaskKind
PRACTICE_TASK_KIND_STOP_LOSS_EXIT: PracticeTaskKind
PRACTICE_TASK_KIND_LIMIT_WITH_STOP_LOSS: PracticeTaskKind
ENROLLMENT_STATUS_UNSPECIFIED: EnrollmentStatus
ENROLLMENT_STATUS_ACTIVE: EnrollmentStatus
ENROLLMENT_STATUS_COMPLETED: EnrollmentStatus

class Course(_message.Message):
    __slots__ = ("id", "slug", "title", "summary", "level", "category", "cover_image_url", "lesson_count", "estimated_duration", "required_plan", "published_at", "enrolled", "progress_percent", "published", "module_count")
    ID_FIELD_NUMBER: _ClassVar[int]
    SLUG_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    COVER_IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    LESSON_COUNT_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_DURATION_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_PLAN_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    ENROLLED_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_PERCENT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    MODULE_COUNT_FIELD_NUMBER: _ClassVar[int]
    id: str
    slug: str
    title: str
    summary: str
    level: CourseLevel
    category: str
    cover_image_url: str
    lesson_count: int
    estimated_duration: _duration_pb2.Duration
    required_plan: str
    published_at: _timestamp_pb2.Timestamp
    enrolled: bool
    progress_percent: int
    published: bool
    module_count: int
    def __init__(self, id: _Optional[str] = ..., slug: _Optional[str] = ..., title: _Optional[str] = ..., summary: _Optional[str] = ..., level: _Optional[_Union[CourseLevel, str]] = ..., category: _Optional[str] = ..., cover_image_url: _Optional[str] = ..., lesson_count: _Optional[int] = ..., estimated_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., required_plan: _Optional[str] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., enrolled: _Optional[bool] = ..., progress_percent: _Optional[int] = ..., published: _Optional[bool] = ..., module_count: _Optional[int] = ...) -> None: ...

class CourseModule(_message.Message):
    __slots__ = ("id", "title", "position", "lessons", "progress_percent")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    LESSONS_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_PERCENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    position: int
    lessons: _containers.RepeatedCompositeFieldContainer[LessonSummary]
    progress_percent: int
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., position: _Optional[int] = ..., lessons: _Optional[_Iterable[_Union[LessonSummary, _Mapping]]] = ..., progress_percent: _Optional[int] = ...) -> None: ...

class LessonSummary(_message.Message):
    __slots__ = ("id", "title", "kind", "position", "estimated_duration", "completed")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_DURATION_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    kind: LessonKind
    position: int
    estimated_duration: _duration_pb2.Duration
    completed: bool
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., kind: _Optional[_Union[LessonKind, str]] = ..., position: _Optional[int] = ..., estimated_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., completed: _Optional[bool] = ...) -> None: ...

class Lesson(_message.Message):
    __slots__ = ("id", "course_id", "module_id", "title", "kind", "position", "estimated_duration", "previous_lesson_id", "next_lesson_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    MODULE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_DURATION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_LESSON_ID_FIELD_NUMBER: _ClassVar[int]
    NEXT_LESSON_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    course_id: str
    module_id: str
    title: str
    kind: LessonKind
    position: int
    estimated_duration: _duration_pb2.Duration
    previous_lesson_id: str
    next_lesson_id: str
    def __init__(self, id: _Optional[str] = ..., course_id: _Optional[str] = ..., module_id: _Optional[str] = ..., title: _Optional[str] = ..., kind: _Optional[_Union[LessonKind, str]] = ..., position: _Optional[int] = ..., estimated_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., previous_lesson_id: _Optional[str] = ..., next_lesson_id: _Optional[str] = ...) -> None: ...

class LessonContent(_message.Message):
    __slots__ = ("body_markdown", "video_url", "quiz", "chart", "practice", "preview")
    BODY_MARKDOWN_FIELD_NUMBER: _ClassVar[int]
    VIDEO_URL_FIELD_NUMBER: _ClassVar[int]
    QUIZ_FIELD_NUMBER: _ClassVar[int]
    CHART_FIELD_NUMBER: _ClassVar[int]
    PRACTICE_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    body_markdown: str
    video_url: str
    quiz: Quiz
    chart: ChartSpec
    practice: PracticeTask
    preview: bool
    def __init__(self, body_markdown: _Optional[str] = ..., video_url: _Optional[str] = ..., quiz: _Optional[_Union[Quiz, _Mapping]] = ..., chart: _Optional[_Union[ChartSpec, _Mapping]] = ..., practice: _Optional[_Union[PracticeTask, _Mapping]] = ..., preview: _Optional[bool] = ...) -> None: ...

class ChartSpec(_message.Message):
    __slots__ = ("symbol", "timeframe", "indicators")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    INDICATORS_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    timeframe: str
    indicators: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, symbol: _Optional[str] = ..., timeframe: _Optional[str] = ..., indicators: _Optional[_Iterable[str]] = ...) -> None: ...

class PracticeTask(_message.Message):
    __slots__ = ("kind", "symbol", "instructions")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    kind: PracticeTaskKind
    symbol: str
    instructions: str
    def __init__(self, kind: _Optional[_Union[PracticeTaskKind, str]] = ..., symbol: _Optional[str] = ..., instructions: _Optional[str] = ...) -> None: ...

class Quiz(_message.Message):
    __slots__ = ("id", "title", "pass_percent", "questions", "max_attempts", "attempts_used", "best_score")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PASS_PERCENT_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_USED_FIELD_NUMBER: _ClassVar[int]
    BEST_SCORE_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    pass_percent: int
    questions: _containers.RepeatedCompositeFieldContainer[QuizQuestion]
    max_attempts: int
    attempts_used: int
    best_score: int
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., pass_percent: _Optional[int] = ..., questions: _Optional[_Iterable[_Union[QuizQuestion, _Mapping]]] = ..., max_attempts: _Optional[int] = ..., attempts_used: _Optional[int] = ..., best_score: _Optional[int] = ...) -> None: ...

class QuizQuestion(_message.Message):
    __slots__ = ("id", "text", "multiple_choice", "options")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MULTIPLE_CHOICE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    id: str
    text: str
    multiple_choice: bool
    options: _containers.RepeatedCompositeFieldContainer[QuizOption]
    def __init__(self, id: _Optional[str] = ..., text: _Optional[str] = ..., multiple_choice: _Optional[bool] = ..., options: _Optional[_Iterable[_Union[QuizOption, _Mapping]]] = ...) -> None: ...

class QuizOption(_message.Message):
    __slots__ = ("id", "text")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    id: str
    text: str
    def __init__(self, id: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class QuizAnswer(_message.Message):
    __slots__ = ("question_id", "option_ids")
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    OPTION_IDS_FIELD_NUMBER: _ClassVar[int]
    question_id: str
    option_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, question_id: _Optional[str] = ..., option_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class QuestionResult(_message.Message):
    __slots__ = ("question_id", "correct", "correct_option_ids", "explanation")
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    CORRECT_FIELD_NUMBER: _ClassVar[int]
    CORRECT_OPTION_IDS_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    question_id: str
    correct: bool
    correct_option_ids: _containers.RepeatedScalarFieldContainer[str]
    explanation: str
    def __init__(self, question_id: _Optional[str] = ..., correct: _Optional[bool] = ..., correct_option_ids: _Optional[_Iterable[str]] = ..., explanation: _Optional[str] = ...) -> None: ...

class Enrollment(_message.Message):
    __slots__ = ("id", "course_id", "user_id", "status", "progress_percent", "enrolled_at", "completed_at", "certificate")
    ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_PERCENT_FIELD_NUMBER: _ClassVar[int]
    ENROLLED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    id: str
    course_id: str
    user_id: str
    status: EnrollmentStatus
    progress_percent: int
    enrolled_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    certificate: Certificate
    def __init__(self, id: _Optional[str] = ..., course_id: _Optional[str] = ..., user_id: _Optional[str] = ..., status: _Optional[_Union[EnrollmentStatus, str]] = ..., progress_percent: _Optional[int] = ..., enrolled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., certificate: _Optional[_Union[Certificate, _Mapping]] = ...) -> None: ...

class Certificate(_message.Message):
    __slots__ = ("id", "code", "course_id", "user_id", "issued_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    code: str
    course_id: str
    user_id: str
    issued_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., code: _Optional[str] = ..., course_id: _Optional[str] = ..., user_id: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LessonProgress(_message.Message):
    __slots__ = ("lesson_id", "completed", "time_spent", "completed_at", "updated_at")
    LESSON_ID_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    TIME_SPENT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    lesson_id: str
    completed: bool
    time_spent: _duration_pb2.Duration
    completed_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, lesson_id: _Optional[str] = ..., completed: _Optional[bool] = ..., time_spent: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCoursesRequest(_message.Message):
    __slots__ = ("level", "category", "page")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    level: CourseLevel
    category: str
    page: _paging_pb2.PageRequest
    def __init__(self, level: _Optional[_Union[CourseLevel, str]] = ..., category: _Optional[str] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListCoursesResponse(_message.Message):
    __slots__ = ("courses", "page")
    COURSES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    courses: _containers.RepeatedCompositeFieldContainer[Course]
    page: _paging_pb2.PageResponse
    def __init__(self, courses: _Optional[_Iterable[_Union[Course, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetCourseRequest(_message.Message):
    __slots__ = ("slug",)
    SLUG_FIELD_NUMBER: _ClassVar[int]
    slug: str
    def __init__(self, slug: _Optional[str] = ...) -> None: ...

class GetCourseResponse(_message.Message):
    __slots__ = ("course", "modules", "enrollment")
    COURSE_FIELD_NUMBER: _ClassVar[int]
    MODULES_FIELD_NUMBER: _ClassVar[int]
    ENROLLMENT_FIELD_NUMBER: _ClassVar[int]
    course: Course
    modules: _containers.RepeatedCompositeFieldContainer[CourseModule]
    enrollment: Enrollment
    def __init__(self, course: _Optional[_Union[Course, _Mapping]] = ..., modules: _Optional[_Iterable[_Union[CourseModule, _Mapping]]] = ..., enrollment: _Optional[_Union[Enrollment, _Mapping]] = ...) -> None: ...

class EnrollCourseRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class EnrollCourseResponse(_message.Message):
    __slots__ = ("enrollment",)
    ENROLLMENT_FIELD_NUMBER: _ClassVar[int]
    enrollment: Enrollment
    def __init__(self, enrollment: _Optional[_Union[Enrollment, _Mapping]] = ...) -> None: ...

class GetLessonRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetLessonResponse(_message.Message):
    __slots__ = ("lesson", "content", "progress")
    LESSON_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    lesson: Lesson
    content: LessonContent
    progress: LessonProgress
    def __init__(self, lesson: _Optional[_Union[Lesson, _Mapping]] = ..., content: _Optional[_Union[LessonContent, _Mapping]] = ..., progress: _Optional[_Union[LessonProgress, _Mapping]] = ...) -> None: ...

class UpdateLessonProgressRequest(_message.Message):
    __slots__ = ("id", "completed", "time_spent", "course_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    TIME_SPENT_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    completed: bool
    time_spent: _duration_pb2.Duration
    course_id: str
    def __init__(self, id: _Optional[str] = ..., completed: _Optional[bool] = ..., time_spent: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., course_id: _Optional[str] = ...) -> None: ...

class UpdateLessonProgressResponse(_message.Message):
    __slots__ = ("updated", "progress", "enrollment")
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    ENROLLMENT_FIELD_NUMBER: _ClassVar[int]
    updated: bool
    progress: LessonProgress
    enrollment: Enrollment
    def __init__(self, updated: _Optional[bool] = ..., progress: _Optional[_Union[LessonProgress, _Mapping]] = ..., enrollment: _Optional[_Union[Enrollment, _Mapping]] = ...) -> None: ...

class SubmitQuizRequest(_message.Message):
    __slots__ = ("id", "answers")
    ID_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    id: str
    answers: _containers.RepeatedCompositeFieldContainer[QuizAnswer]
    def __init__(self, id: _Optional[str] = ..., answers: _Optional[_Iterable[_Union[QuizAnswer, _Mapping]]] = ...) -> None: ...

class SubmitQuizResponse(_message.Message):
    __slots__ = ("attempt_id", "score", "correct_answers", "total_questions", "passed", "results", "best_score", "attempts_left")
    ATTEMPT_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CORRECT_ANSWERS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    BEST_SCORE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_LEFT_FIELD_NUMBER: _ClassVar[int]
    attempt_id: str
    score: int
    correct_answers: int
    total_questions: int
    passed: bool
    results: _containers.RepeatedCompositeFieldContainer[QuestionResult]
    best_score: int
    attempts_left: int
    def __init__(self, attempt_id: _Optional[str] = ..., score: _Optional[int] = ..., correct_answers: _Optional[int] = ..., total_questions: _Optional[int] = ..., passed: _Optional[bool] = ..., results: _Optional[_Iterable[_Union[QuestionResult, _Mapping]]] = ..., best_score: _Optional[int] = ..., attempts_left: _Optional[int] = ...) -> None: ...

class SearchLessonsRequest(_message.Message):
    __slots__ = ("query", "limit")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    query: str
    limit: int
    def __init__(self, query: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class LessonHit(_message.Message):
    __slots__ = ("lesson_id", "lesson_title", "course_id", "course_slug", "course_title", "snippet", "rank")
    LESSON_ID_FIELD_NUMBER: _ClassVar[int]
    LESSON_TITLE_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_SLUG_FIELD_NUMBER: _ClassVar[int]
    COURSE_TITLE_FIELD_NUMBER: _ClassVar[int]
    SNIPPET_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    lesson_id: str
    lesson_title: str
    course_id: str
    course_slug: str
    course_title: str
    snippet: str
    rank: float
    def __init__(self, lesson_id: _Optional[str] = ..., lesson_title: _Optional[str] = ..., course_id: _Optional[str] = ..., course_slug: _Optional[str] = ..., course_title: _Optional[str] = ..., snippet: _Optional[str] = ..., rank: _Optional[float] = ...) -> None: ...

class SearchLessonsResponse(_message.Message):
    __slots__ = ("hits",)
    HITS_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[LessonHit]
    def __init__(self, hits: _Optional[_Iterable[_Union[LessonHit, _Mapping]]] = ...) -> None: ...

class CourseDraft(_message.Message):
    __slots__ = ("slug", "title", "summary", "level", "category", "cover_image_url", "estimated_duration", "required_plan")
    SLUG_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    COVER_IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_DURATION_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_PLAN_FIELD_NUMBER: _ClassVar[int]
    slug: str
    title: str
    summary: str
    level: CourseLevel
    category: str
    cover_image_url: str
    estimated_duration: _duration_pb2.Duration
    required_plan: str
    def __init__(self, slug: _Optional[str] = ..., title: _Optional[str] = ..., summary: _Optional[str] = ..., level: _Optional[_Union[CourseLevel, str]] = ..., category: _Optional[str] = ..., cover_image_url: _Optional[str] = ..., estimated_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., required_plan: _Optional[str] = ...) -> None: ...

class LessonDraft(_message.Message):
    __slots__ = ("title", "kind", "body_markdown", "video_url", "estimated_duration", "chart", "practice")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    BODY_MARKDOWN_FIELD_NUMBER: _ClassVar[int]
    VIDEO_URL_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_DURATION_FIELD_NUMBER: _ClassVar[int]
    CHART_FIELD_NUMBER: _ClassVar[int]
    PRACTICE_FIELD_NUMBER: _ClassVar[int]
    title: str
    kind: LessonKind
    body_markdown: str
    video_url: str
    estimated_duration: _duration_pb2.Duration
    chart: ChartSpec
    practice: PracticeTask
    def __init__(self, title: _Optional[str] = ..., kind: _Optional[_Union[LessonKind, str]] = ..., body_markdown: _Optional[str] = ..., video_url: _Optional[str] = ..., estimated_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., chart: _Optional[_Union[ChartSpec, _Mapping]] = ..., practice: _Optional[_Union[PracticeTask, _Mapping]] = ...) -> None: ...

class QuestionDraft(_message.Message):
    __slots__ = ("text", "options", "correct_option_ids", "explanation")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    CORRECT_OPTION_IDS_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    text: str
    options: _containers.RepeatedCompositeFieldContainer[QuizOption]
    correct_option_ids: _containers.RepeatedScalarFieldContainer[str]
    explanation: str
    def __init__(self, text: _Optional[str] = ..., options: _Optional[_Iterable[_Union[QuizOption, _Mapping]]] = ..., correct_option_ids: _Optional[_Iterable[str]] = ..., explanation: _Optional[str] = ...) -> None: ...

class CreateCourseRequest(_message.Message):
    __slots__ = ("course",)
    COURSE_FIELD_NUMBER: _ClassVar[int]
    course: CourseDraft
    def __init__(self, course: _Optional[_Union[CourseDraft, _Mapping]] = ...) -> None: ...

class CreateCourseResponse(_message.Message):
    __slots__ = ("course",)
    COURSE_FIELD_NUMBER: _ClassVar[int]
    course: Course
    def __init__(self, course: _Optional[_Union[Course, _Mapping]] = ...) -> None: ...

class UpdateCourseRequest(_message.Message):
    __slots__ = ("id", "course")
    ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_FIELD_NUMBER: _ClassVar[int]
    id: str
    course: CourseDraft
    def __init__(self, id: _Optional[str] = ..., course: _Optional[_Union[CourseDraft, _Mapping]] = ...) -> None: ...

class UpdateCourseResponse(_message.Message):
    __slots__ = ("course",)
    COURSE_FIELD_NUMBER: _ClassVar[int]
    course: Course
    def __init__(self, course: _Optional[_Union[Course, _Mapping]] = ...) -> None: ...

class PublishCourseRequest(_message.Message):
    __slots__ = ("id", "published")
    ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    id: str
    published: bool
    def __init__(self, id: _Optional[str] = ..., published: _Optional[bool] = ...) -> None: ...

class PublishCourseResponse(_message.Message):
    __slots__ = ("course",)
    COURSE_FIELD_NUMBER: _ClassVar[int]
    course: Course
    def __init__(self, course: _Optional[_Union[Course, _Mapping]] = ...) -> None: ...

class CreateModuleRequest(_message.Message):
    __slots__ = ("course_id", "title")
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    course_id: str
    title: str
    def __init__(self, course_id: _Optional[str] = ..., title: _Optional[str] = ...) -> None: ...

class CreateModuleResponse(_message.Message):
    __slots__ = ("module",)
    MODULE_FIELD_NUMBER: _ClassVar[int]
    module: CourseModule
    def __init__(self, module: _Optional[_Union[CourseModule, _Mapping]] = ...) -> None: ...

class UpdateModuleRequest(_message.Message):
    __slots__ = ("id", "title")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ...) -> None: ...

class UpdateModuleResponse(_message.Message):
    __slots__ = ("module",)
    MODULE_FIELD_NUMBER: _ClassVar[int]
    module: CourseModule
    def __init__(self, module: _Optional[_Union[CourseModule, _Mapping]] = ...) -> None: ...

class CreateLessonRequest(_message.Message):
    __slots__ = ("module_id", "lesson")
    MODULE_ID_FIELD_NUMBER: _ClassVar[int]
    LESSON_FIELD_NUMBER: _ClassVar[int]
    module_id: str
    lesson: LessonDraft
    def __init__(self, module_id: _Optional[str] = ..., lesson: _Optional[_Union[LessonDraft, _Mapping]] = ...) -> None: ...

class CreateLessonResponse(_message.Message):
    __slots__ = ("lesson",)
    LESSON_FIELD_NUMBER: _ClassVar[int]
    lesson: Lesson
    def __init__(self, lesson: _Optional[_Union[Lesson, _Mapping]] = ...) -> None: ...

class UpdateLessonRequest(_message.Message):
    __slots__ = ("id", "lesson")
    ID_FIELD_NUMBER: _ClassVar[int]
    LESSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    lesson: LessonDraft
    def __init__(self, id: _Optional[str] = ..., lesson: _Optional[_Union[LessonDraft, _Mapping]] = ...) -> None: ...

class UpdateLessonResponse(_message.Message):
    __slots__ = ("lesson",)
    LESSON_FIELD_NUMBER: _ClassVar[int]
    lesson: Lesson
    def __init__(self, lesson: _Optional[_Union[Lesson, _Mapping]] = ...) -> None: ...

class SetLessonQuizRequest(_message.Message):
    __slots__ = ("lesson_id", "title", "pass_percent", "max_attempts", "questions")
    LESSON_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PASS_PERCENT_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    lesson_id: str
    title: str
    pass_percent: int
    max_attempts: int
    questions: _containers.RepeatedCompositeFieldContainer[QuestionDraft]
    def __init__(self, lesson_id: _Optional[str] = ..., title: _Optional[str] = ..., pass_percent: _Optional[int] = ..., max_attempts: _Optional[int] = ..., questions: _Optional[_Iterable[_Union[QuestionDraft, _Mapping]]] = ...) -> None: ...

class SetLessonQuizResponse(_message.Message):
    __slots__ = ("quiz",)
    QUIZ_FIELD_NUMBER: _ClassVar[int]
    quiz: Quiz
    def __init__(self, quiz: _Optional[_Union[Quiz, _Mapping]] = ...) -> None: ...

class ReorderCourseRequest(_message.Message):
    __slots__ = ("id", "modules")
    ID_FIELD_NUMBER: _ClassVar[int]
    MODULES_FIELD_NUMBER: _ClassVar[int]
    id: str
    modules: _containers.RepeatedCompositeFieldContainer[ModuleOrder]
    def __init__(self, id: _Optional[str] = ..., modules: _Optional[_Iterable[_Union[ModuleOrder, _Mapping]]] = ...) -> None: ...

class ModuleOrder(_message.Message):
    __slots__ = ("module_id", "lesson_ids")
    MODULE_ID_FIELD_NUMBER: _ClassVar[int]
    LESSON_IDS_FIELD_NUMBER: _ClassVar[int]
    module_id: str
    lesson_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, module_id: _Optional[str] = ..., lesson_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ReorderCourseResponse(_message.Message):
    __slots__ = ("modules",)
    MODULES_FIELD_NUMBER: _ClassVar[int]
    modules: _containers.RepeatedCompositeFieldContainer[CourseModule]
    def __init__(self, modules: _Optional[_Iterable[_Union[CourseModule, _Mapping]]] = ...) -> None: ...
