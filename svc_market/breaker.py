"""A circuit breaker for the data provider (seed 9.2: Polygon, 3 failures, 60 s timeout, 300 s reset).

Swappable for core's breaker when it exists: the sync code only uses ``call`` and ``available``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.clock import Clock
from core.errors import Unavailable

T = TypeVar("T")


class CircuitBreaker:
    """Closed -> open after ``failures`` consecutive failures; half-open after ``reset_s``.

    Each call runs under ``timeout_s``; a timeout counts as a failure. While open, calls fail fast
    with Unavailable. In half-open state one trial call decides: success closes, failure reopens.
    Exceptions listed in ``ignore`` (e.g. rate limiting) pass through without counting.
    """

    def __init__(
        self,
        name: str,
        clock: Clock,
        failures: int = 3,
        timeout_s: float = 60.0,
        reset_s: float = 300.0,
        ignore: tuple[type[BaseException], ...] = (),
    ) -> None:
        self.name = name
        self.clock = clock
        self.threshold = failures
        self.timeout_s = timeout_s
        self.reset_s = reset_s
        self.ignore = ignore
        self.consecutive_failures = 0
        self.opened_at: float | None = None

    def _now(self) -> float:
        return self.clock.now().timestamp()

    @property
    def available(self) -> bool:
        """False while open (before the reset time has passed)."""
        return self.opened_at is None or self._now() - self.opened_at >= self.reset_s

    def retry_after_s(self) -> float:
        if self.opened_at is None:
            return 0.0
        return max(0.0, self.reset_s - (self._now() - self.opened_at))

    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        if not self.available:
            raise Unavailable(
                f"{self.name} is unavailable (circuit open)",
                retry_after_s=self.retry_after_s(),
                reason="CIRCUIT_OPEN",
            )
        try:
            result = await asyncio.wait_for(fn(), self.timeout_s)
        except self.ignore:
            raise
        except (Exception, TimeoutError):
            self._failed()
            raise
        self.consecutive_failures = 0
        self.opened_at = None
        return result

    def _failed(self) -> None:
        self.consecutive_failures += 1
        if self.opened_at is not None or self.consecutive_failures >= self.threshold:
            self.opened_at = self._now()
