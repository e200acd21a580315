"""education schema: courses, modules, lessons, quizzes, enrolments, progress, attempts,
certificates, and the full-text index (tsvector + GIN on PostgreSQL, FTS5 on SQLite).

Revision ID: education_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

from core.db import UtcDateTime

revision = "education_0001"
down_revision = None
branch_labels = ("education",)
depends_on = None

SCHEMA = "education"
ID = sa.String(36)


def _fk(table: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{SCHEMA}.{table}.id", ondelete="CASCADE")


def _index(name: str, table: str, columns: list[str], **kw: object) -> None:
    op.create_index(name, table, columns, schema=SCHEMA, **kw)  # type: ignore[arg-type]


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", ID, primary_key=True),
        sa.Column("slug", sa.String(120), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("cover_image_url", sa.String(500), nullable=False),
        sa.Column("estimated_minutes", sa.Integer, nullable=False),
        sa.Column("required_plan", sa.String(20), nullable=False),
        sa.Column("published_at", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_courses"),
        sa.UniqueConstraint("slug", name="uq_courses_slug"),
        schema=SCHEMA,
    )
    _index("ix_courses_category", "courses", ["category"])
    op.create_table(
        "modules",
        sa.Column("id", ID, primary_key=True),
        sa.Column("course_id", ID, _fk("courses"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_modules"),
        schema=SCHEMA,
    )
    _index("ix_modules_course_id", "modules", ["course_id"])
    op.create_table(
        "lessons",
        sa.Column("id", ID, primary_key=True),
        sa.Column("course_id", ID, _fk("courses"), nullable=False),
        sa.Column("module_id", ID, _fk("modules"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("estimated_minutes", sa.Integer, nullable=False),
        sa.Column("body_markdown", sa.Text, nullable=False),
        sa.Column("video_url", sa.String(500), nullable=False),
        sa.Column("chart_json", sa.Text, nullable=False),
        sa.Column("practice_json", sa.Text, nullable=False),
        sa.Column("search_document", sa.Text().with_variant(TSVECTOR(), "postgresql"), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_lessons"),
        schema=SCHEMA,
    )
    _index("ix_lessons_course_id", "lessons", ["course_id"])
    _index("ix_lessons_module_id", "lessons", ["module_id"])
    _index("ix_lessons_search_document", "lessons", ["search_document"], postgresql_using="gin")
    op.create_table(
        "quizzes",
        sa.Column("id", ID, primary_key=True),
        sa.Column("lesson_id", ID, _fk("lessons"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("pass_percent", sa.Integer, nullable=False),
        sa.Column("max_attempts", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_quizzes"),
        sa.UniqueConstraint("lesson_id", name="uq_quizzes_lesson_id"),
        schema=SCHEMA,
    )
    op.create_table(
        "questions",
        sa.Column("id", ID, primary_key=True),
        sa.Column("quiz_id", ID, _fk("quizzes"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("options_json", sa.Text, nullable=False),
        sa.Column("correct_json", sa.Text, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_questions"),
        schema=SCHEMA,
    )
    _index("ix_questions_quiz_id", "questions", ["quiz_id"])
    op.create_table(
        "enrollments",
        sa.Column("id", ID, primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("course_id", ID, _fk("courses"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("enrolled_at", UtcDateTime, nullable=False),
        sa.Column("completed_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_enrollments"),
        sa.UniqueConstraint("user_id", "course_id", name="uq_enrollments_user_course"),
        schema=SCHEMA,
    )
    _index("ix_enrollments_user_id", "enrollments", ["user_id"])
    _index("ix_enrollments_course_id", "enrollments", ["course_id"])
    op.create_table(
        "lesson_progress",
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("lesson_id", ID, _fk("lessons"), nullable=False),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("completed", sa.Boolean, nullable=False),
        sa.Column("time_spent_s", sa.Integer, nullable=False),
        sa.Column("completed_at", UtcDateTime, nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "lesson_id", name="pk_lesson_progress"),
        schema=SCHEMA,
    )
    _index("ix_lesson_progress_course_id", "lesson_progress", ["course_id"])
    op.create_table(
        "quiz_attempts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("quiz_id", ID, _fk("quizzes"), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("correct", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("submitted_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_quiz_attempts"),
        schema=SCHEMA,
    )
    _index("ix_quiz_attempts_user_quiz", "quiz_attempts", ["user_id", "quiz_id"])
    op.create_table(
        "certificates",
        sa.Column("id", ID, primary_key=True),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("course_id", ID, _fk("courses"), nullable=False),
        sa.Column("issued_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_certificates"),
        sa.UniqueConstraint("code", name="uq_certificates_code"),
        sa.UniqueConstraint("user_id", "course_id", name="uq_certificates_user_course"),
        schema=SCHEMA,
    )
    _index("ix_certificates_course_id", "certificates", ["course_id"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"CREATE VIRTUAL TABLE {SCHEMA}.lesson_fts USING fts5("
            "lesson_id UNINDEXED, title, context, body, tokenize = 'porter unicode61')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TABLE IF EXISTS {SCHEMA}.lesson_fts")
    for table in (
        "certificates",
        "quiz_attempts",
        "lesson_progress",
        "enrollments",
        "questions",
        "quizzes",
        "lessons",
        "modules",
        "courses",
    ):
        op.drop_table(table, schema=SCHEMA)
