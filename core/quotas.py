"""Per-plan quotas of seed 7.2, counted in the key-value store (Redis in production)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.errors import ResourceExhausted
from core.principal import Principal

if TYPE_CHECKING:
    from core.kv import KeyValue

DAY = 86_400
MINUTE = 60


@dataclass(frozen=True)
class Quota:
    """A limit per plan over a fixed window; None means unlimited."""

    window_s: int
    limits: dict[str, int | None]


# Seed 7.2: /ml/* and /agent/chat per day; /trading/paper/* and /payments/* per minute.
QUOTAS: dict[str, Quota] = {
    "ml": Quota(DAY, {"free": 3, "basic": 10, "pro": 100, "premium": None}),
    "agent_chat": Quota(DAY, {"free": 10, "basic": 50, "pro": 200, "premium": None}),
    "paper": Quota(MINUTE, {"free": 10, "basic": 30, "pro": 100, "premium": 300}),
    "payments": Quota(MINUTE, {"free": 5, "basic": 10, "pro": 20, "premium": 50}),
}


def limit_for(quota: str, plan: str) -> tuple[int | None, int]:
    q = QUOTAS[quota]
    return q.limits.get(plan, q.limits["free"]), q.window_s


async def charge(kv: KeyValue, quota: str, principal: Principal, peer: str) -> str:
    """Count one call against the caller's quota; raise ResourceExhausted when over it. Returns
    the counter charged ("" when none), for `refund` when the call is then not served.

    Services and admins are not limited; anonymous callers count per peer address at the free plan.
    """
    if not quota or principal.kind == "service" or principal.is_admin:
        return ""
    plan = principal.plan if principal.kind == "user" else "free"
    limit, window = limit_for(quota, plan)
    if limit is None:
        return ""
    who = principal.subject if principal.kind == "user" else f"peer:{peer.rsplit(':', 1)[0]}"
    key = f"quota:{quota}:{who}"
    allowed, _count, retry_after = await kv.incr_window(key, limit, window)
    if not allowed:
        raise ResourceExhausted(
            f"the {plan} plan allows {limit} calls per {'day' if window == DAY else 'minute'} here",
            reason="QUOTA_EXCEEDED",
            retry_after_s=retry_after,
            metadata={"quota": quota, "plan": plan, "limit": str(limit)},
        )
    return key


async def refund(kv: KeyValue, key: str) -> None:
    """Give back a charged call that failed (on our side or as refused input): only served calls count."""
    if key:
        await kv.uncount(key)


async def refund_served(kv: KeyValue, quota: str, principal: Principal) -> None:
    """Give back one call that was served but did no chargeable work (the agent's template answers)."""
    if not quota or principal.kind != "user" or principal.is_admin:
        return
    limit, _window = limit_for(quota, principal.plan)
    if limit is not None:
        await kv.uncount(f"quota:{quota}:{principal.subject}")
