"""svc_billing on PostgreSQL: wallet transfers per second with 16 in flight on one wallet (every
transfer waits for the row lock of the one before) and spread over 64 wallets, before (one
transaction of three statements) and after (one statement, svc_billing/transfer_pg.py) side by
side, beside a baseline of the bare conditional UPDATE a transfer must make at least; and the
latency from a Stripe webhook reaching billing to the plan change delivered (SetPlan, cache),
through the real code with the Stripe twin on loopback. Needs PostgreSQL on 127.0.0.1:5432 (TRADING_TEST_PG).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import update

from core.bus import InProcessBus
from core.clients import ClientFactory
from core.clock import Clock
from core.db import Database
from core.keys import KeyStore
from core.kv import MemoryKeyValue
from core.service import ServiceContext
from core.settings import Settings
from svc_billing.adapters.stripe.sdk import StripeSdkGateway
from svc_billing.adapters.stripe.twin import StripeTwin, TwinServer
from svc_billing.config import BillingSettings
from svc_billing.models import Base, Wallet
from svc_billing.stripe_events import IncomingEvent
from svc_billing.wallet import INVESTMENT_DEPOSIT, INVESTMENT_WITHDRAWAL, Wallets
from svc_billing.wiring import assemble

PG_ADMIN = os.environ.get("TRADING_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_FLIGHT = 16
WALLETS = 64
TRANSFERS = 800
ROUNDS = 3


class Directory:
    """svc_auth's side, in memory: records when each plan arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}

    async def set_plan(self, user_id: str, plan: str) -> None:
        self.arrived[user_id] = time.perf_counter()

    async def queue_mail(self, user_id: str, subject: str, body: str, idempotency_key: str) -> None:
        return None


async def in_flight(n: int, job: Callable[[int], Awaitable[object]]) -> float:
    """Run job(0..n-1) with IN_FLIGHT at a time; returns the rate per second."""
    counter = itertools.count()

    async def worker() -> None:
        while (i := next(counter)) < n:
            await job(i)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return n / (time.perf_counter() - started)


async def bench_transfers(ctx: ServiceContext) -> None:
    """Before (one transaction of three statements) and after (one statement) side by side, in
    alternating rounds so that a change in the machine's load hits both alike; medians."""
    before = Wallets(ctx.db, ctx.clock, BillingSettings(), one_statement=False)
    after = Wallets(ctx.db, ctx.clock, BillingSettings())
    users = [f"user-{i}" for i in range(WALLETS)]
    for user in users:
        await after.transfer(user, INVESTMENT_WITHDRAWAL, 10**8, "USD", "acct", f"seed-{user}-000000")
    keys = itertools.count()

    def one_wallet(wallets: Wallets) -> Callable[[int], Awaitable[object]]:
        async def job(i: int) -> object:
            key = f"one-{next(keys):012d}"
            return await wallets.transfer("user-0", INVESTMENT_DEPOSIT, 1, "USD", "acct", key)

        return job

    def many_wallets(wallets: Wallets) -> Callable[[int], Awaitable[object]]:
        async def job(i: int) -> object:
            key = f"many-{next(keys):012d}"
            return await wallets.transfer(users[i % WALLETS], INVESTMENT_DEPOSIT, 1, "USD", "acct", key)

        return job

    async def bare_update(i: int) -> None:
        async with ctx.db.transaction() as s:
            await s.execute(
                update(Wallet)
                .where(Wallet.user_id == users[i % WALLETS], Wallet.balance_minor >= 1)
                .values(balance_minor=Wallet.balance_minor - 1)
            )

    runs: dict[str, list[float]] = {}
    for _ in range(ROUNDS):
        for name, job in (
            ("bare", bare_update),
            ("one_before", one_wallet(before)),
            ("one_after", one_wallet(after)),
            ("many_before", many_wallets(before)),
            ("many_after", many_wallets(after)),
        ):
            runs.setdefault(name, []).append(await in_flight(TRANSFERS, job))
    rate = {name: statistics.median(rates) for name, rates in runs.items()}
    print(f"PostgreSQL, {IN_FLIGHT} in flight, median of {ROUNDS} alternating rounds of {TRANSFERS}")
    print(f"{'per second':36} {'before':>8} {'after':>8} {'after/before':>13} {'after/baseline':>15}")
    print(f"{'baseline: bare conditional UPDATE':36} {rate['bare']:8,.0f}")
    for label, key in (("transfers, one wallet", "one"), (f"transfers, {WALLETS} wallets", "many")):
        old, new = rate[f"{key}_before"], rate[f"{key}_after"]
        print(f"{label:36} {old:8,.0f} {new:8,.0f} {new / old:12.2f}x {new / rate['bare']:14.2f}x")
    print(f"target: >= 500/s on many wallets (after: {rate['many_after']:,.0f}/s)")


async def bench_webhook_latency(ctx: ServiceContext, n: int = 40) -> None:
    twin = StripeTwin("whsec_bench", ctx.clock)
    twin.send_webhooks = False
    server = TwinServer(twin, "127.0.0.1", 0)
    await server.start()
    stripe = StripeSdkGateway("sk_test_bench", server.base_url, clock=ctx.clock)
    directory = Directory()
    built = assemble(ctx, BillingSettings(), stripe=stripe, accounts=directory)
    latencies = []
    try:
        for i in range(n):
            user = f"buyer-{i}"
            session = await built.billing.subscriptions.checkout(
                user, f"{user}@x.com", "pro-monthly", None, f"k-{i:014d}"
            )
            twin.pay_checkout(session.id)
            event = twin.events[-2]  # checkout.session.completed
            started = time.perf_counter()
            incoming = IncomingEvent(
                event["id"], event["type"], json.dumps(event).encode(),
                datetime.fromtimestamp(event["created"], UTC), False,
            )  # fmt: skip
            await built.billing.events.process(incoming)
            await built.plan_sync.drain()
            latencies.append((directory.arrived[user] - started) * 1000)
    finally:
        await stripe.close()
        await server.stop()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    median = statistics.median(latencies)
    print(
        f"webhook -> plan change (fetch, apply, SetPlan): median {median:.1f} ms, p95 {p95:.1f} ms over {n}"
    )


async def main() -> None:
    name = f"trading_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", pool_size=IN_FLIGHT)
    try:
        await db.create_all([Base.metadata])
        with tempfile.TemporaryDirectory() as tmp:
            clock = Clock()
            settings = Settings(data_dir=Path(tmp))
            ctx = ServiceContext(
                settings=settings, db=db, bus=InProcessBus(), kv=MemoryKeyValue(clock), clock=clock,
                clients=ClientFactory(settings, clock), keys=KeyStore.ephemeral("https://b", "b", clock),
            )  # fmt: skip
            await bench_transfers(ctx)
            await bench_webhook_latency(ctx)
    finally:
        await db.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
