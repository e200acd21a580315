"""A deleted account in education (stream auth.account_deleted): certificates are deleted,
enrolments, progress and quiz attempts are kept for the statistics under an anonymous id."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import func, select

from core.account_deletion import STREAM, AccountDeletions, anonymous_id
from svc_education import models as m
from svc_education.erasure import erase_learner
from svc_education.practice import PracticeWatcher
from tests.education.conftest import ANA, BEN, CANDLES, Kit, filled_order


async def rows_of(kit: Kit, user_id: str) -> dict[str, int]:
    counts = {}
    async with kit.db.session() as s:
        for table in (m.Enrollment, m.LessonProgress, m.Certificate):
            counts[table.__tablename__] = int(
                await s.scalar(select(func.count()).where(table.user_id == user_id)) or 0
            )
    return counts


async def test_a_deleted_learner_is_anonymised_and_loses_the_certificate(seeded: Kit) -> None:
    for learner in (ANA, BEN):
        outline = await seeded.edu.catalogue.get_course(learner, CANDLES)
        await seeded.edu.enrolment.enroll(learner, outline.course.course.id)
    seeded.clock.advance(2)
    watcher = PracticeWatcher(seeded.db, seeded.ctx.bus, seeded.clock)
    await watcher.handle(filled_order(ANA.user_id, seeded.clock))  # progress on the practice lesson
    async with seeded.db.transaction() as s:
        s.add(m.Certificate(id="c1", code="ABCDEFGHJK", user_id=ANA.user_id,
                            course_id=outline.course.course.id, issued_at=seeded.clock.now()))  # fmt: skip
    before = await rows_of(seeded, ANA.user_id)
    assert before == {"enrollments": 1, "lesson_progress": 1, "certificates": 1}

    deletions = AccountDeletions(seeded.ctx.bus, "education", lambda u: erase_learner(seeded.db, u))
    running = asyncio.create_task(deletions.run())
    try:
        await seeded.ctx.bus.xadd(STREAM, json.dumps({"user_id": ANA.user_id, "deleted_at": "x"}).encode())
        for _ in range(500):
            if (await rows_of(seeded, ANA.user_id))["enrollments"] == 0:
                break
            await asyncio.sleep(0.01)
    finally:
        running.cancel()
    assert await rows_of(seeded, ANA.user_id) == {"enrollments": 0, "lesson_progress": 0, "certificates": 0}
    stand_in = await rows_of(seeded, anonymous_id(ANA.user_id))
    assert stand_in == {"enrollments": 1, "lesson_progress": 1, "certificates": 0}
    assert (await rows_of(seeded, BEN.user_id))["enrollments"] == 1
    await erase_learner(seeded.db, ANA.user_id)  # redelivered: nothing more changes
    assert await rows_of(seeded, anonymous_id(ANA.user_id)) == stand_in
