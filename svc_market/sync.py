"""Provider sync jobs (the Data Service): backfill and incremental updates, one job per ticker at a time.

A job is a row in sync_jobs; a partial unique index allows one queued-or-running job per ticker, so
two triggers can never both run. Jobs run as asyncio tasks; a restart marks unfinished jobs failed,
and the next job resumes after the newest synced bar (bars are upserted, so overlaps are harmless).

Bars come from the primary provider (Polygon, or the simulated twin without a key) through its
circuit breaker. While it is rate-limited or its breaker is open, a job reads the rest of its range
from the fallback provider (the legacy MySQL store, seed 9.1) when one is configured, and stores
those bars under the fallback's source; without one, a rate limit backs off and retries and an open
breaker fails the job fast.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core import metrics
from core.breaker import OPEN, CircuitBreaker
from core.clock import Clock
from core.db import Database
from core.errors import AlreadyExists, DomainError, Unavailable
from quant.bars import Bars, daily_anchor
from svc_market.bar_store import SeriesInfo, last_synced_ts, refresh_series, series_of, upsert_bars
from svc_market.config import MarketSettings
from svc_market.models import Symbol, SyncJob
from svc_market.providers import BAR_S, BarCursor, BarsProvider, BarsRequest, ProviderError, RateLimited
from svc_market.symbols import get_symbol_by_id

log = logging.getLogger("svc_market.sync")
QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
ACTIVE = (QUEUED, RUNNING)


@dataclass(frozen=True)
class TickerStatus:
    """Sync state of one ticker."""

    ticker_id: int
    symbol: str
    last_sync: datetime | None
    last_bar_ts: int | None
    records_count: int
    running_job_id: str


def provider_available(breaker: CircuitBreaker) -> bool:
    """False while the provider's circuit is open and its reset time has not passed."""
    return breaker.state != OPEN or breaker.retry_after_s() <= 0


def _rate_limit_is_not_a_failure(exc: BaseException) -> bool:
    return not isinstance(exc, RateLimited)


def _provider_series(series: list[SeriesInfo]) -> SeriesInfo | None:
    return next((s for s in series if s.resolution_s == BAR_S), None)


@dataclass
class FallbackUse:
    """How the fallback provider has been used, for health and tests."""

    jobs: int = 0  # jobs that read bars from it
    last_reason: str = ""  # "rate_limited" or "circuit_open"
    last_used: datetime | None = None
    active: bool = False  # the newest job that finished read from it
    failing: bool = False  # its newest read failed


@dataclass
class _Reading:
    """Where a job reads now: the provider, its open cursor, and whether it is the fallback."""

    provider: BarsProvider
    cursor: BarCursor | None = None
    fallback: bool = False


class SyncJobs:
    """Starts, runs and reports sync jobs."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: MarketSettings,
        provider: BarsProvider,
        breaker: CircuitBreaker,
        fallback: BarsProvider | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.provider = provider
        self.breaker = breaker
        self.fallback = fallback
        self.fallback_use = FallbackUse()
        self.rounds = 0  # rounds of keep_up_to_date run by this replica
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def can_fetch(self) -> bool:
        """Whether a job would get bars now: the primary's breaker lets calls through, or a
        fallback is there."""
        return provider_available(self.breaker) or self.fallback is not None

    async def recover(self) -> int:
        """Mark jobs left queued or running by a previous process as failed; returns how many."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(SyncJob)
                .where(SyncJob.state.in_(ACTIVE))
                .values(state=FAILED, error="interrupted by a restart", finished_at=self.clock.now())
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def trigger(self, ticker_id: int, from_ts: int | None = None) -> str:
        """Queue a job for the ticker and start it in the background; AlreadyExists if one is active."""
        job_id = str(uuid.uuid4())
        try:
            async with self.db.transaction() as session:
                await get_symbol_by_id(session, ticker_id)
                session.add(
                    SyncJob(
                        id=job_id,
                        symbol_id=ticker_id,
                        state=QUEUED,
                        from_ts=from_ts,
                        records=0,
                        error="",
                        created_at=self.clock.now(),
                    )
                )
        except IntegrityError:
            raise AlreadyExists(
                f"a sync of ticker {ticker_id} is already running", reason="SYNC_RUNNING"
            ) from None
        task = asyncio.create_task(self._run(job_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job_id

    async def wait_idle(self) -> None:
        """Wait until every started job has finished (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _set(self, job_id: str, **values: object) -> None:
        async with self.db.transaction() as session:
            await session.execute(update(SyncJob).where(SyncJob.id == job_id).values(**values))

    async def _run(self, job_id: str) -> None:
        await self._set(job_id, state=RUNNING)
        records = 0
        try:
            records = await self._fetch_and_store(job_id)
        except (DomainError, ProviderError, RateLimited) as exc:
            self.fallback_use.active = False
            await self._set(job_id, state=FAILED, error=str(exc)[:500], finished_at=self.clock.now())
            return
        except Exception as exc:
            log.exception("sync job %s crashed", job_id)
            await self._set(
                job_id, state=FAILED, error=f"internal error: {exc}"[:500], finished_at=self.clock.now()
            )
            return
        await self._set(job_id, state=SUCCEEDED, records=records, finished_at=self.clock.now())

    async def _start_ts(self, job: SyncJob) -> int:
        if job.from_ts is not None:
            return job.from_ts
        async with self.db.session() as session:
            synced = await last_synced_ts(session, job.symbol_id, BAR_S)
        if synced is not None:
            return synced + BAR_S
        return (
            int((self.clock.now() - timedelta(days=self.settings.backfill_days)).timestamp()) // BAR_S * BAR_S
        )

    async def _fetch_and_store(self, job_id: str) -> int:
        async with self.db.session() as session:
            job = await session.get(SyncJob, job_id)
            assert job is not None
            symbol = await session.get(Symbol, job.symbol_id)
            assert symbol is not None
        cursor = await self._start_ts(job)
        end = int(self.clock.now().timestamp())
        records, rate_limited = 0, 0
        reading = _Reading(self.provider)
        while cursor < end:
            if reading.cursor is None:
                request = BarsRequest(symbol.symbol, symbol.provider_ticker, cursor, end)
                reading.cursor = reading.provider.open(request)
            try:
                chunk = await self._next_chunk(reading)
            except RateLimited:
                if self._fall_back(reading, "rate_limited"):
                    continue
                rate_limited += 1
                if rate_limited > self.settings.rate_limit_retries:
                    raise
                await self.clock.sleep(self.settings.rate_limit_backoff_s * 2 ** (rate_limited - 1))
                reading.cursor = None  # the client's page iterator is dead; resume from the cursor
                continue
            except Unavailable:  # the primary's circuit is open
                if self._fall_back(reading, "circuit_open"):
                    continue
                raise
            if len(chunk) == 0:
                break
            records += await self._store(job_id, symbol.id, chunk, records, reading.provider.name)
            cursor = int(chunk.ts[-1]) + BAR_S
        async with self.db.transaction() as session:
            await refresh_series(session, symbol.id, BAR_S, reading.provider.name, synced_at=self.clock.now())
        self.fallback_use.active = reading.fallback
        return records

    async def _next_chunk(self, reading: _Reading) -> Bars:
        assert reading.cursor is not None
        size = self.settings.sync_batch_rows
        if reading.fallback:
            try:
                chunk = await reading.cursor.next_chunk(size)
            except ProviderError:
                self.fallback_use.failing = True
                raise
            self.fallback_use.failing = False
            return chunk
        return await self.breaker.call(
            functools.partial(reading.cursor.next_chunk, size), counts=_rate_limit_is_not_a_failure
        )

    def _fall_back(self, reading: _Reading, reason: str) -> bool:
        """Switch the job to the fallback provider (once); False when there is none."""
        if self.fallback is None or reading.fallback:
            return False
        log.warning("%s %s: reading bars from %s", self.provider.name, reason, self.fallback.name)
        reading.provider, reading.cursor, reading.fallback = self.fallback, None, True
        use = self.fallback_use
        use.jobs, use.last_reason, use.last_used = use.jobs + 1, reason, self.clock.now()
        metrics.FALLBACK_SERVED.labels(self.provider.name).inc()
        return True

    async def _store(self, job_id: str, symbol_id: int, chunk: Bars, done: int, source: str) -> int:
        async with self.db.transaction() as session:
            written = await upsert_bars(
                session,
                symbol_id,
                BAR_S,
                chunk,
                source,
                daily_anchor_s=daily_anchor(self.settings.daily_anchor_hour_utc),
            )
            await refresh_series(session, symbol_id, BAR_S, source)
            await session.execute(update(SyncJob).where(SyncJob.id == job_id).values(records=done + written))
        return written

    async def status(self) -> list[TickerStatus]:
        async with self.db.session() as session:
            symbols = (await session.execute(select(Symbol).order_by(Symbol.id))).scalars().all()
            active = dict(
                (
                    await session.execute(
                        select(SyncJob.symbol_id, SyncJob.id).where(SyncJob.state.in_(ACTIVE))
                    )
                ).all()
            )
            out = []
            for symbol in symbols:
                stored = _provider_series(await series_of(session, symbol.id))
                out.append(
                    TickerStatus(
                        symbol.id,
                        symbol.symbol,
                        stored.last_sync_at if stored else None,
                        stored.last_ts if stored else None,
                        stored.bar_count if stored else 0,
                        active.get(symbol.id, ""),
                    )
                )
            return out

    async def history(self, ticker_id: int, limit: int = 20) -> tuple[TickerStatus, list[SyncJob]]:
        async with self.db.session() as session:
            symbol = await get_symbol_by_id(session, ticker_id)
            jobs = (
                await session.execute(
                    select(SyncJob)
                    .where(SyncJob.symbol_id == ticker_id)
                    .order_by(SyncJob.created_at.desc(), SyncJob.id)
                    .limit(limit)
                )
            ).scalars()
            series = await series_of(session, ticker_id)
        stored = _provider_series(series)
        count = sum(s.bar_count for s in series)
        status = TickerStatus(
            ticker_id,
            symbol.symbol,
            stored.last_sync_at if stored else None,
            stored.last_ts if stored else None,
            count,
            "",
        )
        return status, list(jobs)

    async def keep_up_to_date(self) -> None:
        """Background task: an incremental sync of every symbol each sync interval."""
        while True:
            async with self.db.session() as session:
                ids = list((await session.execute(select(Symbol.id))).scalars())
            for ticker_id in ids:
                if self.can_fetch:
                    try:
                        await self.trigger(ticker_id)
                    except DomainError:
                        pass
            await self.wait_idle()
            self.rounds += 1
            await self.clock.sleep(self.settings.sync_interval_s)

    async def close(self) -> None:
        """Close the providers' connections (a pool, for the legacy store)."""
        for provider in (self.provider, self.fallback):
            closer = getattr(provider, "close", None)
            if closer is not None:
                await closer()
