"""Course completion: when every lesson of a course is completed, the enrolment is completed and
a certificate is issued, once."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from svc_education import models as m
from svc_education import records

# Unambiguous characters for a code read off a printed certificate.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def certificate_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


async def complete_course_if_done(s: AsyncSession, user_id: str, course_id: str, now: datetime) -> bool:
    """Complete the enrolment and issue the certificate when every lesson is completed; True if
    it happened now. Runs inside the transaction that completed the last lesson."""
    enrollment = await records.enrollment_of(s, user_id, course_id)
    if enrollment is None:
        return False
    await records.lock_enrollment(s, enrollment)
    if enrollment.status == "completed":
        return False
    total = (await s.execute(select(func.count()).where(m.Lesson.course_id == course_id))).scalar_one()
    done = len(await records.completed_lessons(s, user_id, course_id))
    if total == 0 or done < total:
        return False
    enrollment.status = "completed"
    enrollment.completed_at = now
    s.add(
        m.Certificate(
            id=str(uuid.uuid4()), code=certificate_code(), user_id=user_id, course_id=course_id, issued_at=now
        )
    )
    return True
