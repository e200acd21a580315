"""A lease: which replica runs a background job now, cluster-wide.

Several replicas of a service each run the same background jobs (the signal scheduler, the SL/TP
monitor, the sync jobs, the Stripe poller); each job asks its lease before every round and works
only while it holds it. The lease lives in the key-value store (Redis in the split run, memory in
the embedded run) with a time to live: a holder renews it every round; a holder that dies stops
renewing, the key expires, and another replica takes over within `ttl_s`.

Every acquisition takes a new fencing token (a counter that only grows), so work stamped with a
token can be refused when a newer holder has already taken over (a paused holder waking up late).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic_settings import BaseSettings, SettingsConfigDict

from core.clock import Clock
from core.kv import KeyValue

log = logging.getLogger("core.lease")


class LeaseSettings(BaseSettings):
    """`TRADING_LEASE_TTL_S`: how long a dead holder keeps its jobs (a takeover waits at most this)."""

    model_config = SettingsConfigDict(env_prefix="TRADING_LEASE_", extra="ignore")

    ttl_s: float = 15.0


def replica_id() -> str:
    """This process as logs and leases name it: host (the pod name in Kubernetes) and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Held:
    """A lease held: by whom, and the fencing token of this tenure."""

    name: str
    holder: str
    token: int


class Lease:
    """One named lease as one replica sees it."""

    def __init__(self, kv: KeyValue, name: str, *, holder: str | None = None, ttl_s: float = 15.0) -> None:
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive")
        self.kv = kv
        self.name = name
        self.holder = holder or replica_id()
        self.ttl_s = ttl_s
        self._key = f"lease:{name}"
        self._held: Held | None = None

    @property
    def held(self) -> Held | None:
        return self._held

    def _value(self, token: int) -> bytes:
        return f"{token}|{self.holder}".encode()

    async def acquire(self) -> Held | None:
        """Take the lease if free, renew it if this replica holds it; None while another holds it."""
        if self._held is not None and await self._renew(self._held):
            return self._held
        if self._held is not None:
            log.warning("lease lost", extra={"fields": {"lease": self.name, "holder": self.holder}})
            self._held = None
        token = await self.kv.incr(f"{self._key}:fence")
        if not await self.kv.set_nx(self._key, self._value(token), self.ttl_s):
            return None
        self._held = Held(self.name, self.holder, token)
        log.info("lease taken", extra={"fields": {"lease": self.name, "holder": self.holder, "token": token}})
        return self._held

    async def _renew(self, held: Held) -> bool:
        mine = self._value(held.token)
        if await self.kv.get(self._key) != mine:
            return False
        await self.kv.expire(self._key, self.ttl_s)
        # another replica may have taken it between the read and the renewal: read it back
        return await self.kv.get(self._key) == mine

    async def release(self) -> None:
        """Give the lease up now (a clean shutdown), so another replica need not wait for it to expire."""
        if self._held is not None:
            await self.kv.delete_if_equals(self._key, self._value(self._held.token))
            log.info("lease released", extra={"fields": {"lease": self.name, "holder": self.holder}})
            self._held = None

    async def current(self) -> Held | None:
        """Who holds the lease now, as the store says (any replica may ask)."""
        raw = await self.kv.get(self._key)
        if raw is None:
            return None
        token, _, holder = raw.decode().partition("|")
        return Held(self.name, holder, int(token))


async def run_while_held(lease: Lease, job: Callable[[], Awaitable[None]], clock: Clock) -> None:
    """Run `job` (a background loop) only while this replica holds `lease`, cluster-wide once.

    Waits for the lease, starts the job and renews every third of the TTL; if the lease is lost
    (this replica paused past the TTL and another took over) the job is cancelled and the wait
    starts again. A job that returns or fails gives the lease back; so does a clean shutdown. A
    replica that dies simply stops renewing: the lease expires and another takes over.
    """
    renew_s = lease.ttl_s / 3
    while True:
        held = await lease.acquire()
        if held is None:
            await clock.sleep(renew_s)
            continue
        log.info(
            "job running on this replica",
            extra={"fields": {"lease": lease.name, "replica": lease.holder, "token": held.token}},
        )
        running: asyncio.Future[None] = asyncio.ensure_future(job())
        try:
            while not running.done():
                tick = asyncio.create_task(clock.sleep(renew_s))
                await asyncio.wait({running, tick}, return_when=asyncio.FIRST_COMPLETED)
                tick.cancel()
                if not running.done() and (await lease.acquire()) != held:
                    log.warning(
                        "lease lost: stopping the job here",
                        extra={"fields": {"lease": lease.name, "replica": lease.holder}},
                    )
                    running.cancel()
                    await asyncio.wait({running})  # not `await running`: that would eat our own cancel
                    break
            else:
                await lease.release()
                running.result()  # a failure propagates to the supervisor, which restarts
                return
        except asyncio.CancelledError:
            running.cancel()
            await asyncio.wait({running})
            await lease.release()
            raise


def leased(
    kv: KeyValue, clock: Clock, name: str, job: Callable[[], Awaitable[None]], ttl_s: float | None = None
) -> Callable[[], Awaitable[None]]:
    """`job` as a background task that runs on one replica at a time (the wiring's one-liner);
    the TTL defaults to `TRADING_LEASE_TTL_S`."""

    async def task() -> None:
        await run_while_held(Lease(kv, name, ttl_s=ttl_s or LeaseSettings().ttl_s), job, clock)

    task.__qualname__ = f"leased({name})"
    return task
