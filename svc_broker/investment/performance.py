"""Daily performance snapshots and the time-weighted return.

Each day's sub-period return removes that day's net transfers: r = (E_end - flows) / E_start - 1
(E_start is the previous snapshot's equity, or the day's first deposit for the first snapshot);
the time-weighted return chains them: (1 + R_prev) x (1 + r) - 1.

The daily job runs on one replica at a time, cluster-wide (the wiring runs it under the
`investment.snapshots` lease, core/lease.py). A replica that takes the job over (the holder died
or paused) first takes the latest midnight's snapshots that are missing, so a slot is never
skipped; a snapshot is one row per (account, midnight), so a slot is never taken twice either,
even by two replicas at once during a hand-over.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.clock import Clock
from core.db import Database
from svc_broker.investment.accounts import ACTIVE, PAUSED, Accounts
from svc_broker.investment.models import InvestmentAccountRow, Snapshot

log = logging.getLogger("svc_broker.investment.performance")
DAY = timedelta(days=1)
Q = Decimal("0.0001")


def last_midnight(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def next_midnight(now: datetime) -> datetime:
    return last_midnight(now) + DAY


class Performance:
    def __init__(self, db: Database, clock: Clock, accounts: Accounts) -> None:
        self.db, self.clock, self.accounts = db, clock, accounts

    async def snapshot_all(self, at: datetime) -> int:
        """The snapshot at `at` of every active or paused account opened by then."""
        async with self.db.session() as s:
            rows = list(
                await s.scalars(
                    select(InvestmentAccountRow).where(
                        InvestmentAccountRow.status.in_([ACTIVE, PAUSED]),
                        InvestmentAccountRow.created_at <= at,
                    )
                )
            )
        for row in rows:
            try:
                await self.snapshot(row, at)
            except IntegrityError:  # another replica wrote this one a moment ago
                log.info("snapshot already taken", extra={"fields": {"account": row.id}})
        return len(rows)

    async def snapshot(self, row: InvestmentAccountRow, at: datetime) -> Snapshot:
        state = await self.accounts.state(row)
        async with self.db.transaction() as s:
            prev = await s.scalar(
                select(Snapshot)
                .where(Snapshot.account_id == row.id)
                .order_by(Snapshot.taken_at.desc())
                .limit(1)
            )
            if prev is not None and prev.taken_at >= at:
                return prev
            flows_in = row.deposited_minor - (prev.deposits_minor if prev else 0)
            flows_out = row.withdrawn_minor - (prev.withdrawals_minor if prev else 0)
            start = prev.equity_minor if prev else 0
            base = start + flows_in  # what was at work over the day
            end = state.equity_minor + flows_out
            period = Decimal(end - base) / base if base > 0 else Decimal(0)
            cumulative = (1 + (prev.return_percent / 100 if prev else Decimal(0))) * (1 + period) - 1
            peak = max(prev.peak_equity_minor if prev else 0, state.equity_minor)
            drawdown = Decimal(peak - state.equity_minor) * 100 / peak if peak > 0 else Decimal(0)
            snap = Snapshot(
                account_id=row.id,
                taken_at=at,
                balance_minor=state.balance_minor,
                equity_minor=state.equity_minor,
                deposits_minor=row.deposited_minor,
                withdrawals_minor=row.withdrawn_minor,
                pnl_minor=state.equity_minor - (row.deposited_minor - row.withdrawn_minor),
                peak_equity_minor=peak,
                drawdown_percent=drawdown.quantize(Q),
                return_percent=(cumulative * 100).quantize(Q),
            )
            s.add(snap)
        return snap

    async def between(
        self, account_id: str, start: datetime | None, end: datetime | None, limit: int, offset: int
    ) -> list[Snapshot]:
        query = select(Snapshot).where(Snapshot.account_id == account_id)
        if start is not None:
            query = query.where(Snapshot.taken_at >= start)
        if end is not None:
            query = query.where(Snapshot.taken_at < end)
        async with self.db.session() as s:
            return list(await s.scalars(query.order_by(Snapshot.taken_at).offset(offset).limit(limit)))

    async def track_record(self, product_id: str) -> tuple[Decimal, int]:
        """The mean time-weighted return of a product's accounts at their latest snapshot."""
        latest = (
            select(Snapshot.account_id, func.max(Snapshot.taken_at).label("at"))
            .join(InvestmentAccountRow, InvestmentAccountRow.id == Snapshot.account_id)
            .where(InvestmentAccountRow.product_id == product_id)
            .group_by(Snapshot.account_id)
            .subquery()
        )
        query = select(Snapshot.return_percent).join(
            latest, (Snapshot.account_id == latest.c.account_id) & (Snapshot.taken_at == latest.c.at)
        )
        async with self.db.session() as s:
            returns = list(await s.scalars(query))
        if not returns:
            return Decimal(0), 0
        return (sum(returns, Decimal(0)) / len(returns)).quantize(Q), len(returns)

    async def run_daily(self) -> None:
        """Take every account's snapshot at each UTC midnight of the injected clock, starting
        with the latest midnight's missing ones (the job may start on a replica that took over)."""
        due = last_midnight(self.clock.now())
        while True:
            try:
                await self.snapshot_all(due)
            except Exception:
                log.exception("daily snapshots failed")
            due = next_midnight(self.clock.now())
            await self.clock.sleep((due - self.clock.now()).total_seconds())
