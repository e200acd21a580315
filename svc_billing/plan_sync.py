"""Delivers plan changes to svc_auth, the plan cache and the user's mailbox, after the commit.

A subscription change stages a `plan_changes` row in its own transaction; this delivers the rows
in order (SetPlan, `user:{id}:plan` in the key-value store for an hour, then the mail), marking
each delivered only when all of it succeeded. A failure (auth down) leaves the row for the next
pass, so an activation is never lost and SetPlan is never applied out of order.

Every billing replica runs it (a commit wakes its own replica's at once); on PostgreSQL a pass
holds an advisory lock, so two replicas never deliver the same change both.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy import select, update

from core.clock import Clock
from core.db import Database, advisory_xact_lock
from core.errors import NotFound
from core.kv import KeyValue
from core.lease import replica_id
from svc_billing.accounts import MAILS, AccountDirectory
from svc_billing.models import PlanChange
from svc_billing.plan_cache import UserPlan, encode_plan, plan_cache_key
from svc_billing.plans import TIERS

log = logging.getLogger(__name__)
_LOCK = "financial.plan_changes"


class PlanSync:
    def __init__(
        self,
        db: Database,
        kv: KeyValue,
        accounts: AccountDirectory,
        clock: Clock,
        *,
        cache_ttl_s: int = 3600,
        retry_s: float = 5.0,
        refresh_plan: Callable[[str], Awaitable[object]] | None = None,
    ) -> None:
        """`refresh_plan(user_id)` re-reads the user's plan and caches it (with its period end);
        without it the cache gets the tier alone."""
        self.db = db
        self.kv = kv
        self.accounts = accounts
        self.clock = clock
        self.cache_ttl_s = cache_ttl_s
        self.retry_s = retry_s
        self.refresh_plan = refresh_plan
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled: at once when woken, else every `retry_s`."""
        while True:
            self._wake.clear()
            try:
                await self.drain()
            except Exception:
                log.warning("plan delivery failed; retrying", exc_info=True)
            try:
                await asyncio.wait_for(self._wake.wait(), self.retry_s)
            except TimeoutError:
                pass

    async def drain(self) -> int:
        """Deliver every pending change now, in order; returns how many were delivered."""
        async with self._lock, self._replicas_take_turns():
            async with self.db.session() as s:
                pending = (
                    await s.scalars(
                        select(PlanChange).where(PlanChange.delivered_at.is_(None)).order_by(PlanChange.id)
                    )
                ).all()
            for change in pending:
                await self._deliver(change)
            return len(pending)

    @asynccontextmanager
    async def _replicas_take_turns(self) -> AsyncIterator[None]:
        """On PostgreSQL, an advisory lock held for the pass (each change is marked in a transaction
        of its own); SQLite serves one process."""
        if self.db.is_sqlite:
            yield
            return
        async with self.db.transaction() as s:
            await advisory_xact_lock(s, _LOCK)
            yield

    async def _deliver(self, change: PlanChange) -> None:
        try:
            await self._push(change)
        except NotFound:  # the account is gone: nothing to deliver to, and it must not block the rest
            log.warning("plan change for an unknown user dropped", extra={"fields": {"user": change.user_id}})
        async with self.db.transaction() as s:
            await s.execute(
                update(PlanChange).where(PlanChange.id == change.id).values(delivered_at=self.clock.now())
            )
        log.info(
            "plan change delivered",
            extra={"fields": {"change": change.id, "user": change.user_id, "plan": change.plan,
                              "replica": replica_id()}},
        )  # fmt: skip

    async def _push(self, change: PlanChange) -> None:
        await self.accounts.set_plan(change.user_id, change.plan)
        if self.refresh_plan is not None:
            await self.refresh_plan(change.user_id)
        else:
            await self.kv.set(
                plan_cache_key(change.user_id), encode_plan(UserPlan(change.plan, None)), self.cache_ttl_s
            )
        if change.mail:
            subject, body = MAILS[change.mail]
            name = change.mail_plan.capitalize() if change.mail_plan in TIERS else change.mail_plan
            await self.accounts.queue_mail(
                change.user_id,
                subject.format(plan_name=name),
                body.format(plan_name=name),
                f"billing-plan-change-{change.id}-{change.mail}",
            )
