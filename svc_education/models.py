"""svc_education's tables, in the `education` schema.

Full-text search has one index per database, kept up to date by `svc_education.search`: on
PostgreSQL the `lessons.search_document` tsvector column with a GIN index; on SQLite an FTS5
virtual table (`lesson_fts`, created by the migration) that the models do not declare.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UtcDateTime, make_base

Base: Any = make_base("education")
SCHEMA = "education"
FTS_TABLE = "lesson_fts"

ID = String(36)
SearchDocument = Text().with_variant(TSVECTOR(), "postgresql")


def _fk(table: str) -> ForeignKey:
    return ForeignKey(f"{SCHEMA}.{table}.id", ondelete="CASCADE")


class Course(Base):
    """A course of the catalogue; learners see it once published."""

    __tablename__ = "courses"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str] = mapped_column(String(20))  # beginner, intermediate, advanced
    category: Mapped[str] = mapped_column(String(64), index=True)
    cover_image_url: Mapped[str] = mapped_column(String(500), default="")
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=0)
    required_plan: Mapped[str] = mapped_column(String(20), default="free")
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Module(Base):
    """A chapter of a course."""

    __tablename__ = "modules"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    course_id: Mapped[str] = mapped_column(ID, _fk("courses"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)


class Lesson(Base):
    """A lesson: an article, a video, a chart to explore, a quiz or a practice task."""

    __tablename__ = "lessons"
    __table_args__ = (Index("ix_lessons_search_document", "search_document", postgresql_using="gin"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    course_id: Mapped[str] = mapped_column(ID, _fk("courses"), index=True)
    module_id: Mapped[str] = mapped_column(ID, _fk("modules"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # article, video, quiz, chart, practice
    position: Mapped[int] = mapped_column(Integer)
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=0)
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    chart_json: Mapped[str] = mapped_column(Text, default="")  # {"symbol", "timeframe", "indicators"}
    practice_json: Mapped[str] = mapped_column(Text, default="")  # {"kind", "symbol", "instructions"}
    search_document: Mapped[Any] = mapped_column(SearchDocument, nullable=True)


class Quiz(Base):
    """The quiz of a quiz lesson."""

    __tablename__ = "quizzes"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ID, _fk("lessons"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    pass_percent: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer, default=0)  # 0: unlimited


class Question(Base):
    """One question of a quiz, with its options and its right answers."""

    __tablename__ = "questions"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    quiz_id: Mapped[str] = mapped_column(ID, _fk("quizzes"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    options_json: Mapped[str] = mapped_column(Text)  # [{"id", "text"}]
    correct_json: Mapped[str] = mapped_column(Text)  # ["option id", ...]
    explanation: Mapped[str] = mapped_column(Text, default="")


class Enrollment(Base):
    """A learner enrolled in a course: one row per learner and course."""

    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_enrollments_user_course"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    course_id: Mapped[str] = mapped_column(ID, _fk("courses"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # active, completed
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class LessonProgress(Base):
    """A learner's time on a lesson and whether they completed it."""

    __tablename__ = "lesson_progress"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ID, _fk("lessons"), primary_key=True)
    course_id: Mapped[str] = mapped_column(ID, index=True)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    time_spent_s: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class QuizAttempt(Base):
    """One marked attempt at a quiz."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (Index("ix_quiz_attempts_user_quiz", "user_id", "quiz_id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    quiz_id: Mapped[str] = mapped_column(ID, _fk("quizzes"))
    user_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    correct: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Certificate(Base):
    """The record that a learner completed a course."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_certificates_user_course"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[str] = mapped_column(String(64))
    course_id: Mapped[str] = mapped_column(ID, _fk("courses"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
