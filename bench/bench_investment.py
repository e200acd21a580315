"""svc_broker investment: signal-to-order latency through a trading agent, 100 Atlas accounts on
one product, on a SQLite file with the paper venue.

For one BTCUSD signal the agent runs the risk checks, sizes, places and logs an order for each
account in turn; the latency of an account is from the signal's arrival to its order being filled
and logged (so it grows along the accounts). Baseline, side by side: the same 100 market orders
sent straight to the paper venue, no checks and no logs.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

from trading.events.v1 import events_payloads_pb2 as ev

from core.clock import TestClock
from core.db import Database
from svc_billing import ledger
from svc_billing.config import BillingSettings
from svc_billing.models import Base as BillingBase
from svc_billing.wallet import DEPOSIT, Wallets
from svc_broker.broker import OrderRequest
from svc_broker.config import BrokerSettings
from svc_broker.investment.accounts import Accounts
from svc_broker.investment.agent import Outcome, TradingAgent
from svc_broker.investment.kyc import Kyc
from svc_broker.investment.models import Base, Integration, InvestmentAccountRow
from svc_broker.investment.products import product
from svc_broker.investment.risk import Signal
from svc_broker.market import DEFAULT_SYMBOLS, Quote, QuoteBook, StaticSymbolCatalog
from svc_broker.models import Base as TradingBase
from svc_broker.venues.paper import PaperBroker

ACCOUNTS = 100


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def _run(directory: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{directory / 'bench.sqlite'}")
    await db.create_all([TradingBase.metadata, BillingBase.metadata, Base.metadata, Integration.metadata])
    clock = TestClock()
    book = QuoteBook()
    book.update(Quote("BTCUSD", Decimal(50_000), Decimal(50_010), clock.now()))
    catalog = StaticSymbolCatalog(DEFAULT_SYMBOLS)
    venue = PaperBroker(db, book, catalog, clock, BrokerSettings())
    wallets = Wallets(db, clock, BillingSettings())

    class InProcessWallet:
        async def transfer(self, user: str, direction: str, minor: int, cur: str, ref: str, key: str) -> None:
            await wallets.transfer(user, direction, minor, cur, ref, key)

    kyc = Kyc(db, clock)
    accounts = Accounts(db, clock, kyc, InProcessWallet(), venue)
    for i in range(ACCOUNTS):
        user = f"bench-{i}"
        await kyc.submit(user, "Bench Investor", "ES", f"DOC{i}")
        await kyc.review(user, "compliance", approve=True)
        async with db.transaction() as s:
            await wallets.post(
                s, user, DEPOSIT, 1_000_000, ledger.STRIPE_CLEARING, "b", "d", str(uuid.uuid4())
            )
        await accounts.open(user, "atlas", 500_000, "USD", f"bench-open-{i:04}")
    agent = TradingAgent(product("atlas"), accounts, venue, db, clock, catalog.get, book.latest)
    signal = ev.MlSignalNew(
        signal_id="bench-signal",
        symbol="BTCUSD",
        signal=ev.SIGNAL_DIRECTION_LONG,
        entry=50_010,
        sl=49_010,
        tp=52_010,
        confidence=0.8,
    )
    rows = await accounts.trading("atlas")
    latencies: list[float] = []
    decide = agent.decide

    async def timed(row: InvestmentAccountRow, parsed: Signal) -> Outcome:
        outcome = await decide(row, parsed)
        assert outcome.decision == "taken", outcome.reason
        latencies.append((time.perf_counter() - started) * 1000)
        return outcome

    setattr(agent, "decide", timed)  # noqa: B010  (the bench times each account's decision)
    started = time.perf_counter()
    await agent.on_signal(signal)  # the agent's path: 8 accounts decided at a time
    rows = await accounts.trading("atlas")
    base_started = time.perf_counter()
    baseline = []
    for row in rows:
        await venue.place_order(f"{row.venue_account}-base", OrderRequest("BTCUSD", "buy", Decimal("0.005")))
        baseline.append((time.perf_counter() - base_started) * 1000)
    await db.dispose()
    p50, p99 = _pct(latencies, 50), _pct(latencies, 99)
    b50, b99 = _pct(baseline, 50), _pct(baseline, 99)
    per_agent = latencies[-1] / len(latencies)
    per_base = baseline[-1] / len(baseline)
    print(f"investment: {ACCOUNTS} Atlas accounts, one BTCUSD signal (SQLite file, paper venue, 8 at a time)")
    print(f"  agent    signal-to-order p50 {p50:8.1f} ms  p99 {p99:8.1f} ms  per account {per_agent:6.2f} ms")
    print(f"  baseline plain orders   p50 {b50:8.1f} ms  p99 {b99:8.1f} ms  per order   {per_base:6.2f} ms")
    ratio = per_agent / per_base
    print(f"  ratio agent/baseline per order: {ratio:.2f}x (risk checks, sizing, both logs and the event)")


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(_run(Path(directory)))


if __name__ == "__main__":
    main()
