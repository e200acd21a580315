"""A deleted account in education: certificates (a named credential) are deleted; enrolments,
lesson progress and quiz attempts are kept for the course statistics under an anonymous id."""

from __future__ import annotations

from sqlalchemy import delete, update

from core.account_deletion import anonymous_id
from core.db import Database
from svc_education import models as m


async def erase_learner(db: Database, user_id: str) -> None:
    """Idempotent: a second run finds nothing under the user id."""
    stand_in = anonymous_id(user_id)
    async with db.transaction() as s:
        await s.execute(delete(m.Certificate).where(m.Certificate.user_id == user_id))
        for table in (m.Enrollment, m.LessonProgress, m.QuizAttempt):
            await s.execute(update(table).where(table.user_id == user_id).values(user_id=stand_in))
