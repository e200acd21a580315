"""Assembles investment accounts inside the broker service: the domain over the broker's venue,
billing's wallet, one trading agent per product and their background tasks."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from trading.billing.v1 import billing_service_pb2_grpc
from trading.events.v1 import events_payloads_pb2 as ev

from core.breaker import METAAPI, CircuitBreaker
from core.lease import leased
from core.outbox import OutboxRelay
from core.service import ServiceContext
from svc_broker.broker import Broker
from svc_broker.investment.accounts import Accounts
from svc_broker.investment.agent import TradingAgent
from svc_broker.investment.config import InvestmentSettings
from svc_broker.investment.investor_mode import BreakerVenue, InvestorMode
from svc_broker.investment.kyc import Kyc
from svc_broker.investment.models import OUTBOX, Base, Integration
from svc_broker.investment.performance import Performance
from svc_broker.investment.products import PRODUCTS
from svc_broker.investment.reconcile import Reconciler
from svc_broker.investment.wallet import BillingWallet
from svc_broker.investment_service import InvestmentServicer
from svc_broker.market import QuoteBook, SymbolCatalog
from svc_broker.venues.metaapi.client import MetaApiClient
from svc_broker.venues.metaapi.venue import MetaApiAccounts, MetaApiBroker

log = logging.getLogger("svc_broker.investment")
METADATA = [Base.metadata, Integration.metadata]
SNAPSHOT_LEASE = "investment.snapshots"


@dataclass
class Investment:
    accounts: Accounts
    kyc: Kyc
    performance: Performance
    agents: list[TradingAgent]
    reconciler: Reconciler
    servicer: InvestmentServicer
    background: list[Callable[[], Awaitable[None]]]


def build_investment(
    ctx: ServiceContext,
    settings: InvestmentSettings,
    raw_venue: Broker,
    catalog: SymbolCatalog,
    book: QuoteBook,
) -> Investment:
    chosen: Broker = raw_venue
    venue_kind = ev.TRADE_VENUE_PAPER
    provision = None
    if settings.venue == "metaapi":
        client = MetaApiClient(
            settings.metaapi_token.get_secret_value(),
            settings.metaapi_base_url,
            provisioning_url=settings.metaapi_provisioning_url,
        )
        chosen, venue_kind = MetaApiBroker(client, catalog.get), ev.TRADE_VENUE_BROKER
        provision = MetaApiAccounts(client, server=settings.metaapi_server).open
    venue = BreakerVenue(chosen, CircuitBreaker("broker-venue", METAAPI, ctx.clock))
    investor_mode = InvestorMode(ctx.db, ctx.clock, venue)
    kyc = Kyc(ctx.db, ctx.clock)
    wallet = BillingWallet(ctx.clients.stub(billing_service_pb2_grpc.BillingServiceStub, "billing"))
    accounts = Accounts(ctx.db, ctx.clock, kyc, wallet, venue, venue_name=settings.venue, provision=provision)
    performance = Performance(ctx.db, ctx.clock, accounts)
    agents = [
        TradingAgent(p, accounts, venue, ctx.db, ctx.clock, catalog.get, book.latest, venue_kind=venue_kind)
        for p in PRODUCTS
    ]
    relay = OutboxRelay(ctx.db, ctx.bus, [OUTBOX], ctx.clock)
    reconciler = Reconciler(ctx.db, ctx.clock, venue, venue_kind=venue_kind)

    async def reconcile() -> None:
        await reconciler.run(settings.reconcile_every_s)

    async def check_investor_mode() -> None:
        await investor_mode.run(settings.investor_mode_check_s)

    async def consume_webhooks() -> None:
        await reconciler.consume_webhooks(ctx.bus)

    async def resume_opening() -> None:
        try:
            await accounts.resume()
        except Exception:  # billing may not be up yet; the next start resumes again
            log.exception("resuming investment accounts failed")

    def agent_task(agent: TradingAgent) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await agent.run(ctx.bus)

        return run

    background = [
        resume_opening,
        leased(ctx.kv, ctx.clock, SNAPSHOT_LEASE, performance.run_daily),  # one replica, cluster-wide
        relay.run,
        reconcile,
        check_investor_mode,
        consume_webhooks,
        *(agent_task(a) for a in agents),
    ]
    servicer = InvestmentServicer(accounts, performance, kyc)
    return Investment(accounts, kyc, performance, agents, reconciler, servicer, background)
