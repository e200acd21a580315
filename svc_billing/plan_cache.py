"""`user:{id}:plan` in the key-value store (Redis in the split run): the user's tier, then
`;until=<unix seconds>` when a paid period ends, kept for an hour. Readers that must not call
billing on every request read the tier before the first `;`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class UserPlan:
    tier: str
    valid_until: datetime | None


def plan_cache_key(user_id: str) -> str:
    return f"user:{user_id}:plan"


def encode_plan(plan: UserPlan) -> bytes:
    if plan.valid_until is None:
        return plan.tier.encode()
    return f"{plan.tier};until={int(plan.valid_until.timestamp())}".encode()


def decode_plan(value: bytes) -> UserPlan | None:
    """None for a value this version cannot read (then the caller asks the database)."""
    tier, _, rest = value.decode(errors="replace").partition(";")
    if not tier:
        return None
    if not rest:
        return UserPlan(tier, None)
    name, _, seconds = rest.partition("=")
    if name != "until" or not seconds.isdigit():
        return None
    return UserPlan(tier, datetime.fromtimestamp(int(seconds), UTC))
