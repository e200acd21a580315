"""Every `schedule_interval_s` (15 min): predict, decide, store and announce signals for active symbols.

Time is cut into slots of one interval. A run is due when the last completed slot (kept in the
key-value store, shared by replicas) is older than the current slot. Being down for several
slots leaves one due run, so a missed run is caught up once, not once per missed slot. A lock
(`set_nx` with a TTL) makes sure that two runs never overlap, across tasks and replicas; the
slot is re-read under the lock so a run that another replica just finished is not repeated.

A symbol that fails, whatever the error, is logged and the run goes on with the next one; the
slot is recorded when the run ends, so a failing symbol never makes the whole slot run again.
Each stored symbol is also noted under the slot, so a run cut short (cancelled, the process
killed) and retried in the same slot skips the symbols it already announced. The lock is renewed
before every symbol while this run still owns it; a run that finds it lost stops, and the lock is
released only by its owner.

A symbol that fails only because it has no model yet (a fresh start, before the first training
ends) waits: while the slot lasts it is tried again every `waiting_retry_s` (5 s), so the first
stored and announced signal follows the first training instead of the next slot.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from core.clock import Clock
from core.errors import DomainError, Unavailable
from core.kv import KeyValue
from svc_inference.engine import InferenceEngine
from svc_inference.signals import Signal

log = logging.getLogger(__name__)

LOCK_KEY = "ml:scheduler:lock"
SLOT_KEY = "ml:scheduler:last_slot"
DONE_KEY = "ml:scheduler:done:{slot}"


def _no_model_yet(err: DomainError) -> bool:
    cause = err.__cause__
    return isinstance(cause, Unavailable) and cause.reason == "MODEL_NOT_LOADED"


class LockLost(Exception):
    """The run's lock expired or was taken by another run: stop before storing anything more."""


@dataclass
class RunReport:
    """What one run did."""

    slot: int
    signals: list[Signal] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    """the failed symbols that have no model yet."""
    lock_lost: bool = False


class SignalScheduler:
    def __init__(
        self,
        engine: InferenceEngine,
        kv: KeyValue,
        clock: Clock,
        *,
        symbols: list[str] | None,
        interval_s: float = 900.0,
        lock_ttl_s: float = 600.0,
        strategy: str = "",
        waiting_retry_s: float = 5.0,
    ) -> None:
        self.engine = engine
        self.kv = kv
        self.clock = clock
        self.symbols = symbols  # None: every symbol market data lists
        self.interval_s = interval_s
        self.lock_ttl_s = lock_ttl_s
        self.strategy = strategy
        self.waiting_retry_s = waiting_retry_s
        self.waiting: set[str] = set()
        self._waiting_slot = -1

    def current_slot(self) -> int:
        return int(self.clock.now().timestamp() // self.interval_s)

    async def last_slot(self) -> int:
        raw = await self.kv.get(SLOT_KEY)
        return int(raw) if raw is not None else -1

    async def tick(self) -> RunReport | None:
        """Run if a run is due and no other run holds the lock; None when nothing ran."""
        slot = self.current_slot()
        if await self.last_slot() >= slot:
            return None
        token = uuid.uuid4().hex.encode()
        if not await self.kv.set_nx(LOCK_KEY, token, self.lock_ttl_s):
            return None
        try:
            if await self.last_slot() >= slot:
                return None
            report = await self.run(slot, token)
            if report.lock_lost:
                return report  # the run that holds the lock now finishes the slot
            await self.kv.set(SLOT_KEY, str(slot).encode())
            await self.kv.delete(DONE_KEY.format(slot=slot))
            self.waiting, self._waiting_slot = set(report.waiting), slot
            return report
        finally:
            await self.kv.delete_if_equals(LOCK_KEY, token)

    async def retry_waiting(self) -> RunReport | None:
        """Run the symbols that had no model, if the slot they missed is still the current one."""
        slot = self.current_slot()
        if not self.waiting or slot != self._waiting_slot:
            self.waiting = set()
            return None
        token = uuid.uuid4().hex.encode()
        if not await self.kv.set_nx(LOCK_KEY, token, self.lock_ttl_s):
            return None
        try:
            report = await self.run(slot, token, only=sorted(self.waiting))
            self.waiting = set(report.waiting)
            return report
        finally:
            await self.kv.delete_if_equals(LOCK_KEY, token)

    async def _symbols(self) -> list[str]:
        if self.symbols is not None:
            return self.symbols
        return list((await self.engine.instruments.instruments()).symbols)

    async def _renew(self, token: bytes | None) -> None:
        """Push the lock's expiry out again, if this run still owns it."""
        if token is None:
            return
        if await self.kv.get(LOCK_KEY) != token or not await self.kv.expire(LOCK_KEY, self.lock_ttl_s):
            raise LockLost

    async def run(self, slot: int, token: bytes | None = None, only: list[str] | None = None) -> RunReport:
        """Every symbol of the slot (or of `only`) not already done; `token` is the lock this run holds."""
        report = RunReport(slot)
        done_key = DONE_KEY.format(slot=slot)
        raw = await self.kv.get(done_key)
        done = set(raw.decode().split(",")) if raw else set()
        for symbol in await self._symbols() if only is None else only:
            if symbol in done:
                continue
            try:
                await self._renew(token)
            except LockLost:
                log.warning("scheduler lock lost in slot %d before %s: stopping", slot, symbol)
                report.lock_lost = True
                break
            try:
                q = self.engine.query(symbol)
                report.signals.append(await self.engine.generate_and_store(q, self.strategy))
            except DomainError as err:
                log.warning("scheduled signal for %s failed: %s", symbol, err.message)
                report.failed.append(symbol)
                if _no_model_yet(err):
                    report.waiting.append(symbol)
                continue
            except Exception:
                log.exception("scheduled signal for %s failed", symbol)
                report.failed.append(symbol)
                continue
            done.add(symbol)
            if only is None:
                await self.kv.set(done_key, ",".join(sorted(done)).encode(), ttl_s=2 * self.interval_s)
        return report

    async def run_forever(self) -> None:
        """The background task: tick, then sleep until the next slot starts (at most a minute)."""
        while True:
            try:
                await self.tick()
                await self.retry_waiting()
            except Exception:
                log.exception("scheduler tick failed")
            now = self.clock.now().timestamp()
            until_next = self.interval_s - (now % self.interval_s)
            pause = self.waiting_retry_s if self.waiting else 60.0
            await self.clock.sleep(min(pause, until_next + 0.01))
