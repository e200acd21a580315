"""svc_education: full-text search against a naive scan, and the learner's reads.

A SQLite file (the embedded run) migrated and seeded with the demo courses plus one course of
`--lessons` generated lessons (text drawn from the demo courses' words). Search goes through the
FTS5 index (bm25); the baseline is what a service without an index would do on the same rows:
`LIKE '%word%'` on every lesson, ranked in Python by counting matches. `--pg URL` runs the same on
PostgreSQL (tsvector + GIN against the same LIKE scan).

    python -m bench.bench_education [--lessons 1000] [--pg postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import or_, select

from core import migrations
from core.clock import Clock
from core.db import Database
from core.service import ServiceContext
from svc_education import SERVICE
from svc_education import models as m
from svc_education.config import EducationSettings
from svc_education.search import index_lesson, words_of
from svc_education.seed import CONTENT, SEEDER, seed_demo_courses
from svc_education.wiring import make_education

QUERIES = ["position sizing stop", "rsi overbought", "calibration brier", "atr volatility", "expectancy"]


async def add_generated_course(db: Database, clock: Clock, lessons: int) -> None:
    words = [w for path in CONTENT.glob("*.yaml") for w in words_of(path.read_text())]
    rng = random.Random(7)
    now = clock.now()
    async with db.transaction() as s:
        course = m.Course(
            id=str(uuid.uuid4()), slug="generated", title="Generated", summary="", level="beginner",
            category="bench", cover_image_url="", estimated_minutes=0, required_plan="free",
            published_at=now, created_at=now, updated_at=now,
        )  # fmt: skip
        module = m.Module(id=str(uuid.uuid4()), course_id=course.id, title="All", position=1)
        s.add_all([course, module])
        await s.flush()
        for i in range(lessons):
            body = " ".join(rng.choice(words) for _ in range(300))
            lesson = m.Lesson(
                id=str(uuid.uuid4()), course_id=course.id, module_id=module.id, title=f"Lesson {i}",
                kind="article", position=i + 1, estimated_minutes=5, body_markdown=body, video_url="",
                chart_json="", practice_json="",
            )  # fmt: skip
            s.add(lesson)
            await s.flush()
            await index_lesson(s, lesson, course)


async def naive_search(db: Database, query: str, limit: int = 10) -> list[str]:
    terms = words_of(query)
    async with db.session() as s:
        rows = await s.execute(
            select(m.Lesson.id, m.Lesson.title, m.Lesson.body_markdown).where(
                or_(*(m.Lesson.body_markdown.ilike(f"%{t}%") for t in terms))
            )
        )
        scored = [(sum(body.lower().count(t) for t in terms), lid) for lid, _, body in rows]
    return [lid for _, lid in sorted(scored, reverse=True)[:limit]]


async def timed(fn, rounds: int) -> float:
    samples = []
    for i in range(rounds):
        started = time.perf_counter()
        await fn(i)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


async def run(url: str, lessons: int, rounds: int) -> None:
    plan = migrations.spec_of(SERVICE)
    assert plan is not None
    migrations.upgrade(url, plan.name, plan.scripts_dir, plan.schemas)
    db = Database(url)
    clock = Clock()
    ctx = ServiceContext(settings=None, db=db, bus=None, kv=None, clock=clock, clients=None, keys=None)  # type: ignore[arg-type]
    await seed_demo_courses(ctx, EducationSettings())
    await add_generated_course(db, clock, lessons)
    edu = make_education(ctx, EducationSettings())
    course = (await edu.catalogue.list_courses(SEEDER)).courses[0].course
    outline = await edu.catalogue.get_course(SEEDER, course.slug)
    lesson_id = outline.modules[0].lessons[0].lesson.id

    indexed = await timed(lambda i: edu.search.search(QUERIES[i % len(QUERIES)]), rounds)
    naive = await timed(lambda i: naive_search(db, QUERIES[i % len(QUERIES)]), max(rounds // 5, 5))
    listing = await timed(lambda i: edu.catalogue.list_courses(SEEDER), rounds)
    getting = await timed(lambda i: edu.catalogue.get_course(SEEDER, course.slug), rounds)
    lesson = await timed(lambda i: edu.catalogue.get_lesson(SEEDER, lesson_id), rounds)
    kind = "SQLite FTS5" if db.is_sqlite else "PostgreSQL tsvector+GIN"
    print(f"{kind}, {lessons} generated lessons + the demo courses")
    print(f"  search p50             {indexed:8.2f} ms")
    print(f"  naive LIKE scan p50    {naive:8.2f} ms   ({naive / indexed:.1f}x the indexed search)")
    print(f"  ListCourses p50        {listing:8.2f} ms")
    print(f"  GetCourse p50          {getting:8.2f} ms")
    print(f"  GetLesson p50          {lesson:8.2f} ms")
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--pg", default="", help="a PostgreSQL URL whose education schema may be replaced")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite+aiosqlite:///{Path(tmp)}/main.sqlite", args.lessons, args.rounds))
    if args.pg:
        asyncio.run(run(args.pg, args.lessons, args.rounds))


if __name__ == "__main__":
    main()
