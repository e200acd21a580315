"""Full-text search over the lessons of published courses, ranked, on either database.

What is indexed: the lesson's title, its context (course and module titles) and its text (the
Markdown, and a practice lesson's instructions). PostgreSQL: `lessons.search_document`, a tsvector
(title weighted A, text B, context C) under a GIN index, ranked by ts_rank_cd. SQLite: the FTS5
table `lesson_fts` with the porter stemmer, ranked by bm25 with the title weighted 4, the text 1
and the context 0.5. A query is reduced to its
words (no operators reach the database) and any of them may match; more and rarer matches rank
higher.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from svc_education import models as m
from svc_education.views import LessonHit

DEFAULT_LIMIT = 10
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Words that say nothing about a lesson (PostgreSQL's English configuration drops them too).
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "should",
        "the",
        "this",
        "to",
        "what",
        "when",
        "which",
        "who",
        "why",
        "with",
        "you",
        "your",
    ]
)


def words_of(query: str) -> list[str]:
    """The distinct searchable words of a query, in order, lower case."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(query.lower()):
        if word not in STOPWORDS and len(word) <= 64:
            seen.setdefault(word, None)
    return list(seen)[:32]


async def index_lesson(s: AsyncSession, lesson: m.Lesson, course: m.Course) -> None:
    """(Re)index one lesson; call in the transaction that wrote it."""
    module = await s.get(m.Module, lesson.module_id)
    practice = json.loads(lesson.practice_json) if lesson.practice_json else {}
    values = {
        "id": lesson.id,
        "title": lesson.title,
        "context": f"{course.title} {module.title if module else ''}",
        "body": f"{lesson.body_markdown}\n\n{practice.get('instructions', '')}",
    }
    if (await s.connection()).dialect.name == "sqlite":
        await s.execute(
            text(f"DELETE FROM {m.SCHEMA}.{m.FTS_TABLE} WHERE lesson_id = :id"), {"id": lesson.id}
        )
        await s.execute(
            text(
                f"INSERT INTO {m.SCHEMA}.{m.FTS_TABLE} (lesson_id, title, context, body) "
                "VALUES (:id, :title, :context, :body)"
            ),
            values,
        )
        return
    await s.execute(
        text(
            f"UPDATE {m.SCHEMA}.lessons SET search_document = "
            "setweight(to_tsvector('english', :title), 'A') || setweight(to_tsvector('english', :body), 'B')"
            " || setweight(to_tsvector('english', :context), 'C') WHERE id = :id"
        ),
        values,
    )


_SQLITE_SEARCH = f"""
SELECT f.lesson_id, l.title, c.id, c.slug, c.title,
       snippet({m.FTS_TABLE}, 3, '**', '**', '…', 24) AS snippet,
       -bm25({m.FTS_TABLE}, 0.0, 4.0, 0.5, 1.0) AS rank
FROM {m.SCHEMA}.{m.FTS_TABLE} AS f
JOIN {m.SCHEMA}.lessons AS l ON l.id = f.lesson_id
JOIN {m.SCHEMA}.courses AS c ON c.id = l.course_id
WHERE {m.FTS_TABLE} MATCH :match AND c.published_at IS NOT NULL
ORDER BY bm25({m.FTS_TABLE}, 0.0, 4.0, 0.5, 1.0), l.id
LIMIT :limit
"""

_POSTGRES_SEARCH = f"""
SELECT l.id, l.title, c.id, c.slug, c.title,
       ts_headline('english', l.body_markdown, q,
                   'StartSel=**, StopSel=**, MaxWords=30, MinWords=12, MaxFragments=1') AS snippet,
       ts_rank_cd(l.search_document, q) AS rank
FROM {m.SCHEMA}.lessons AS l
JOIN {m.SCHEMA}.courses AS c ON c.id = l.course_id,
     to_tsquery('english', :match) AS q
WHERE l.search_document @@ q AND c.published_at IS NOT NULL
ORDER BY rank DESC, l.id
LIMIT :limit
"""


class Search:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def search(self, query: str, limit: int = 0) -> list[LessonHit]:
        words = words_of(query)
        if not words:
            return []
        if self._db.is_sqlite:
            sql, match = _SQLITE_SEARCH, " OR ".join(f'"{w}"' for w in words)
        else:
            sql, match = _POSTGRES_SEARCH, " | ".join(words)
        async with self._db.session() as s:
            rows = await s.execute(text(sql), {"match": match, "limit": limit or DEFAULT_LIMIT})
            return [_hit(row) for row in rows.all()]


def _hit(row: Any) -> LessonHit:
    lesson_id, lesson_title, course_id, slug, course_title, snippet, rank = row
    return LessonHit(lesson_id, lesson_title, course_id, slug, course_title, snippet or "", float(rank))
