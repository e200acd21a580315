"""Access rules, role checks, quotas and the circuit breaker, on their own."""

from __future__ import annotations

import pytest

from core import access
from core.access import AccessRule
from core.auth import authorize
from core.breaker import CLOSED, HALF_OPEN, OPEN, BreakerConfig, CircuitBreaker
from core.clock import TestClock
from core.errors import PermissionDenied, ResourceExhausted, Unauthenticated, Unavailable
from core.kv import MemoryKeyValue
from core.principal import ANONYMOUS, Principal
from core.quotas import charge

USER = Principal(kind="user", subject="u1", roles=frozenset({"user"}), plan="free")
SUPPORT = Principal(kind="user", subject="s1", roles=frozenset({"support"}))
ADMIN = Principal(kind="user", subject="a1", roles=frozenset({"admin"}))
SERVICE = Principal(kind="service", subject="svc-market", scopes=frozenset({"*"}))


@pytest.mark.parametrize(
    ("audience", "allowed"),
    [
        (access.PUBLIC, {"anon", "user", "support", "admin", "service"}),
        (access.USER, {"user", "support", "admin", "service"}),
        (access.SUPPORT, {"support", "admin"}),
        (access.ADMIN, {"admin"}),
        (access.SERVICE, {"service", "admin"}),
        (access.UNSPECIFIED, set()),
    ],
)
def test_audience_admits_exactly_its_callers(audience: int, allowed: set[str]) -> None:
    callers = {"anon": ANONYMOUS, "user": USER, "support": SUPPORT, "admin": ADMIN, "service": SERVICE}
    rule = AccessRule("/x.v1.S/M", audience)
    admitted = set()
    for name, principal in callers.items():
        try:
            authorize(rule, principal)
            admitted.add(name)
        except (PermissionDenied, Unauthenticated):
            pass
    assert admitted == allowed


def test_method_unknown_to_the_contracts_has_a_denying_rule() -> None:
    rule = access.rule_for("/trading.nothing.v1.Nope/Call")
    assert rule.denied


def test_rules_are_read_from_the_access_option() -> None:
    assert access.rule_for("/trading.platform.v1.PlatformService/GetServerInfo").audience == access.PUBLIC
    stream = access.rule_for("/trading.platform.v1.PlatformService/StreamHeartbeats")
    assert stream.audience == access.USER
    assert stream.server_streaming
    assert stream.idempotent


async def test_free_plan_gets_three_ml_calls_a_day_then_retry_after() -> None:
    clock = TestClock()
    kv = MemoryKeyValue(clock)
    for _ in range(3):
        await charge(kv, "ml", USER, "ipv4:127.0.0.1:5000")
    with pytest.raises(ResourceExhausted) as err:
        await charge(kv, "ml", USER, "ipv4:127.0.0.1:5000")
    assert err.value.retry_after_s is not None
    assert 0 < err.value.retry_after_s <= 86_400
    assert err.value.reason == "QUOTA_EXCEEDED"


async def test_premium_is_unlimited_and_services_are_not_counted() -> None:
    kv = MemoryKeyValue(TestClock())
    premium = Principal(kind="user", subject="p1", plan="premium")
    charged = [await charge(kv, "ml", caller, "") for _ in range(50) for caller in (premium, SERVICE)]
    assert charged == [""] * 100  # no counter charged, none refused
    # nothing was counted under their names: the same names on the free plan still get all three
    for subject in ("p1", SERVICE.subject):
        free = Principal(kind="user", subject=subject, plan="free")
        for _ in range(3):
            assert await charge(kv, "ml", free, "") == f"quota:ml:{subject}"
        with pytest.raises(ResourceExhausted):
            await charge(kv, "ml", free, "")


def test_breaker_opens_after_threshold_then_half_opens_after_reset() -> None:
    clock = TestClock()
    breaker = CircuitBreaker("polygon", BreakerConfig(failure_threshold=3, timeout_s=60, reset_s=300), clock)
    for _ in range(3):
        breaker.before_call()
        breaker.record_failure()
    assert breaker.state == OPEN
    with pytest.raises(Unavailable) as err:
        breaker.before_call()
    assert err.value.reason == "CIRCUIT_OPEN"
    clock.advance(299)
    with pytest.raises(Unavailable):
        breaker.before_call()
    clock.advance(2)
    breaker.before_call()
    assert breaker.state == HALF_OPEN
    with pytest.raises(Unavailable):
        breaker.before_call()  # one trial call at a time
    breaker.record_success()
    assert breaker.state == CLOSED


def test_failed_trial_call_opens_the_circuit_again() -> None:
    clock = TestClock()
    breaker = CircuitBreaker("ml", BreakerConfig(failure_threshold=5, timeout_s=30, reset_s=60), clock)
    for _ in range(5):
        breaker.record_failure()
    clock.advance(61)
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state == OPEN
    assert breaker.retry_after_s() == pytest.approx(60)


@pytest.mark.parametrize(
    ("scopes", "method", "allowed"),
    [
        ({"*"}, "/trading.auth.v1.AuthService/SetPlan", True),
        ({"auth:set_plan"}, "/trading.auth.v1.AuthService/SetPlan", True),
        ({"auth:*"}, "/trading.auth.v1.AuthService/SetPlan", True),
        ({"inference:*"}, "/trading.auth.v1.AuthService/SetPlan", False),
        ({"auth:set_user_roles"}, "/trading.auth.v1.AuthService/SetPlan", False),
        (set(), "/trading.auth.v1.AuthService/SetPlan", False),
        (set(), "/trading.auth.v1.AuthService/VerifyServiceCredential", True),
        ({"market:list_symbols"}, "/trading.market.v1.MarketService/ListSymbols", True),
    ],
)
def test_service_keys_reach_only_the_rpcs_their_scopes_name(
    scopes: set[str], method: str, allowed: bool
) -> None:
    rule = access.rule_for(method)
    key = Principal(kind="service", subject="service:billing", scopes=frozenset(scopes))
    if allowed:
        authorize(rule, key)
    else:
        with pytest.raises(PermissionDenied) as err:
            authorize(rule, key)
        assert err.value.reason == "SCOPE_NOT_ALLOWED"
