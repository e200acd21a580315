"""KYC: a user submits identity details; an admin or compliance reviewer approves or rejects.
Every step is written to the audit trail in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.clock import Clock
from core.db import Database
from core.errors import FailedPrecondition, InvalidArgument, NotFound
from svc_broker.investment.models import KycAudit, KycProfile

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


@dataclass(frozen=True)
class KycView:
    user_id: str
    status: str
    reason: str | None
    submitted_at: datetime | None = None
    reviewed_at: datetime | None = None


class Kyc:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    async def submit(self, user_id: str, full_name: str, country: str, document_number: str) -> KycView:
        violations = [
            (f, m)
            for f, m, bad in (
                ("full_name", "a full name is required", not full_name.strip() or len(full_name) > 200),
                ("country", "an ISO 3166 two-letter code", len(country) != 2 or not country.isalpha()),
                (
                    "document_number",
                    "1 to 64 characters",
                    not document_number.strip() or len(document_number) > 64,
                ),
            )
            if bad
        ]
        if violations:
            raise InvalidArgument("invalid identity details", violations=violations)
        now = self.clock.now()
        async with self.db.transaction() as s:
            row = await s.get(KycProfile, user_id)
            if row is not None and row.status == APPROVED:
                raise FailedPrecondition("identity already verified", reason="KYC_ALREADY_APPROVED")
            if row is None:
                row = KycProfile(user_id=user_id)
                s.add(row)
            row.full_name, row.country, row.document_number = (
                full_name.strip(),
                country.upper(),
                document_number,
            )
            row.status, row.reason, row.updated_at = PENDING, None, now
            s.add(KycAudit(user_id=user_id, actor_id=user_id, action="submitted", at=now))
        return KycView(user_id, PENDING, None)

    async def review(self, user_id: str, reviewer_id: str, approve: bool, reason: str = "") -> KycView:
        if not approve and not reason.strip():
            raise InvalidArgument("a rejection needs a reason", violations=[("reason", "required to reject")])
        now = self.clock.now()
        status = APPROVED if approve else REJECTED
        async with self.db.transaction() as s:
            row = await s.get(KycProfile, user_id)
            if row is None:
                raise NotFound(f"no KYC submission for user {user_id}", reason="KYC_NOT_FOUND")
            if row.status != PENDING:
                raise FailedPrecondition(f"KYC is {row.status}, not pending", reason="KYC_NOT_PENDING")
            row.status, row.reason, row.updated_at = status, reason or None, now
            s.add(
                KycAudit(user_id=user_id, actor_id=reviewer_id, action=status, reason=reason or None, at=now)
            )
        return KycView(user_id, status, reason or None)

    async def status(self, user_id: str) -> KycView:
        async with self.db.session() as s:
            row = await s.get(KycProfile, user_id)
        if row is None:
            return KycView(user_id, "none", None)
        return KycView(user_id, row.status, row.reason)

    async def detail(self, user_id: str) -> KycView:
        """The status with when the latest details were submitted and when they were reviewed
        (from the audit trail: the latest submission, and a review after it)."""
        view = await self.status(user_id)
        submitted = reviewed = None
        for entry in await self.audit(user_id):
            if entry.action == "submitted":
                submitted, reviewed = entry.at, None
            else:
                reviewed = entry.at
        return KycView(user_id, view.status, view.reason, submitted, reviewed)

    async def require_verified(self, user_id: str) -> None:
        view = await self.status(user_id)
        if view.status == APPROVED:
            return
        why = {
            "none": "identity not verified: submit KYC details first",
            PENDING: "identity verification is pending review",
            REJECTED: f"identity verification was rejected: {view.reason}",
        }[view.status]
        raise FailedPrecondition(why, reason=f"KYC_{view.status.upper()}")

    async def audit(self, user_id: str) -> list[KycAudit]:
        async with self.db.session() as s:
            return list(
                await s.scalars(select(KycAudit).where(KycAudit.user_id == user_id).order_by(KycAudit.id))
            )
