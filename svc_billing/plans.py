"""The plans on sale: four tiers, monthly and yearly, with the quotas of seed 7.2."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import InvalidArgument, NotFound
from core.quotas import DAY, QUOTAS

TIERS = ("free", "basic", "pro", "premium")


@dataclass(frozen=True)
class PlanQuota:
    name: str
    limit: int | None  # None: unlimited
    period: str  # "minute" or "day"


@dataclass(frozen=True)
class Plan:
    id: str
    tier: str
    name: str
    description: str
    price_minor: int
    currency: str
    interval: str  # "", "month" or "year"
    features: tuple[str, ...]

    @property
    def quotas(self) -> list[PlanQuota]:
        return quotas_of(self.tier)

    @property
    def paid(self) -> bool:
        return self.price_minor > 0


def quotas_of(tier: str) -> list[PlanQuota]:
    """The seed 7.2 limits of a tier, read from the table the quota interceptor enforces."""
    return [
        PlanQuota(name, quota.limits[tier], "day" if quota.window_s == DAY else "minute")
        for name, quota in QUOTAS.items()
    ]


_TIERS = {
    "free": (
        "Free",
        "Learn the platform: courses, paper trading and a few signals a day.",
        0,
        (
            "Education courses",
            "Paper trading",
            "3 ML predictions a day",
            "10 assistant messages a day",
        ),
    ),
    "basic": (
        "Basic",
        "For the regular trader who checks signals every day.",
        1900,
        (
            "Everything in Free",
            "10 ML predictions a day",
            "50 assistant messages a day",
            "Wallet deposits",
        ),
    ),
    "pro": (
        "Pro",
        "For active traders: many signals, backtests and the assistant at hand.",
        4900,
        (
            "Everything in Basic",
            "100 ML predictions a day",
            "200 assistant messages a day",
            "Investment accounts run by trading agents",
        ),
    ),
    "premium": (
        "Premium",
        "No daily limits, for professionals.",
        9900,
        (
            "Everything in Pro",
            "Unlimited ML predictions",
            "Unlimited assistant messages",
            "Highest paper-trading and payments rates",
        ),
    ),
}
YEARLY_MONTHS = 10  # a year costs ten months


def _catalog(currency: str) -> list[Plan]:
    plans = [Plan("free", "free", "Free", _TIERS["free"][1], 0, currency, "", _TIERS["free"][3])]
    for tier in TIERS[1:]:
        name, description, monthly, features = _TIERS[tier]
        plans.append(Plan(f"{tier}-monthly", tier, name, description, monthly, currency, "month", features))
        plans.append(
            Plan(
                f"{tier}-yearly", tier, name, description, monthly * YEARLY_MONTHS, currency, "year", features
            )
        )
    return plans


class PlanCatalog:
    """The plans, cheapest tier first, and the Stripe price each paid plan is sold at."""

    def __init__(self, currency: str = "USD") -> None:
        self.plans = _catalog(currency)
        self._by_id = {p.id: p for p in self.plans}

    def get(self, plan_id: str) -> Plan:
        plan = self._by_id.get(plan_id)
        if plan is None:
            raise NotFound(f"no plan {plan_id!r}", reason="PLAN_NOT_FOUND", metadata={"plan_id": plan_id})
        return plan

    def paid(self, plan_id: str) -> Plan:
        plan = self.get(plan_id)
        if not plan.paid:
            raise InvalidArgument(
                "the free plan needs no checkout", violations=[("plan_id", "choose a paid plan")]
            )
        return plan

    def lookup_key(self, plan: Plan) -> str:
        """The Stripe price lookup key of a paid plan."""
        return f"trading_{plan.id.replace('-', '_')}"

    def by_lookup_key(self, key: str) -> Plan | None:
        return next((p for p in self.plans if p.paid and self.lookup_key(p) == key), None)
