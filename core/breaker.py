"""Circuit breaker (seed 9.2): after `failure_threshold` failures in a row the circuit opens and
calls fail fast for `reset_s`; then one trial call is let through (half-open): success closes the
circuit, failure opens it again. `timeout_s` bounds each guarded call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from core import metrics
from core.clock import Clock
from core.errors import Unavailable

T = TypeVar("T")

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


@dataclass(frozen=True)
class BreakerConfig:
    failure_threshold: int
    timeout_s: float
    reset_s: float


# Seed 9.2.
ML_ENGINE = BreakerConfig(failure_threshold=5, timeout_s=30, reset_s=60)
POLYGON = BreakerConfig(failure_threshold=3, timeout_s=60, reset_s=300)
METAAPI = BreakerConfig(failure_threshold=10, timeout_s=10, reset_s=30)
# Not in seed 9.2: the vendors whose fallbacks seed 9.1 names (template answers, webhook polling).
CLAUDE = BreakerConfig(failure_threshold=5, timeout_s=60, reset_s=60)
STRIPE = BreakerConfig(failure_threshold=5, timeout_s=20, reset_s=60)
DEFAULT = BreakerConfig(failure_threshold=5, timeout_s=10, reset_s=30)
PRESETS = {"ml_engine": ML_ENGINE, "polygon": POLYGON, "metaapi": METAAPI, "claude": CLAUDE, "stripe": STRIPE}
_STATE_VALUE = {CLOSED: 0, HALF_OPEN: 1, OPEN: 2}
# Every breaker made in this process, by name, for /health (the last one made under a name wins).
REGISTRY: dict[str, CircuitBreaker] = {}


def states() -> dict[str, str]:
    """The state of every breaker of this process, by name."""
    return {name: b.state for name, b in sorted(REGISTRY.items())}


class CircuitBreaker:
    """One breaker guarding one dependency."""

    def __init__(self, name: str, config: BreakerConfig = DEFAULT, clock: Clock | None = None) -> None:
        self.name = name
        self.config = config
        self.clock = clock or Clock()
        self.state = CLOSED
        self.failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False
        REGISTRY[name] = self
        metrics.BREAKER_OPEN.labels(name).set(0)

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def retry_after_s(self) -> float:
        return max(0.0, self._opened_at + self.config.reset_s - self._now())

    def before_call(self) -> None:
        """Raise Unavailable when the circuit is open (or its one trial call is in flight)."""
        if self.state == OPEN:
            if self.retry_after_s() > 0:
                raise self._open_error()
            self._move(HALF_OPEN)
        if self.state == HALF_OPEN:
            if self._trial_in_flight:
                raise self._open_error()
            self._trial_in_flight = True

    def record_success(self) -> None:
        self._trial_in_flight = False
        self.failures = 0
        if self.state != CLOSED:
            self._move(CLOSED)

    def record_failure(self) -> None:
        self._trial_in_flight = False
        self.failures += 1
        if self.state == HALF_OPEN or self.failures >= self.config.failure_threshold:
            self._opened_at = self._now()
            self._move(OPEN)

    async def call(
        self,
        fn: Callable[[], Awaitable[T]],
        *,
        counts: Callable[[BaseException], bool] | None = None,
        timeout_s: float | None = None,
    ) -> T:
        """Run `fn` under the breaker and its timeout. `counts(exc)` says whether an error is the
        dependency's fault (default: every exception counts); `timeout_s` overrides the config's."""
        self.before_call()
        try:
            async with asyncio.timeout(timeout_s or self.config.timeout_s):
                result = await fn()
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                self._trial_in_flight = False
                raise
            if counts is None or counts(exc):
                self.record_failure()
            else:
                self.record_success()
            raise
        self.record_success()
        return result

    def _open_error(self) -> Unavailable:
        return Unavailable(
            f"{self.name} is unavailable (circuit open)",
            reason="CIRCUIT_OPEN",
            retry_after_s=round(self.retry_after_s(), 3),
            metadata={"dependency": self.name},
        )

    def _move(self, state: str) -> None:
        self.state = state
        metrics.BREAKER_STATE.labels(self.name, state).inc()
        metrics.BREAKER_OPEN.labels(self.name).set(_STATE_VALUE[state])
