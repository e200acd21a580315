"""Assembles svc_billing from a ServiceContext: the Stripe adapter (on the twin when no key is
set), the domain, the servicer and the background tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from trading.auth.v1 import auth_service_pb2_grpc
from trading.billing.v1 import billing_service_pb2_grpc

from core.account_deletion import AccountDeletions
from core.lease import leased
from core.outbox import OutboxRelay
from core.service import BuiltService, ServiceContext
from svc_billing.accounts import AccountDirectory
from svc_billing.adapters.stripe.gateway import StripeGateway
from svc_billing.adapters.stripe.sdk import StripeSdkGateway
from svc_billing.adapters.stripe.twin import StripeTwin, TwinServer
from svc_billing.adapters.stripe.twin_store import DatabaseTwinStore
from svc_billing.auth_directory import GrpcAccountDirectory
from svc_billing.config import BillingSettings, webhook_secret
from svc_billing.deposits import Deposits
from svc_billing.erasure import anonymise_customer
from svc_billing.models import OUTBOX
from svc_billing.plan_sync import PlanSync
from svc_billing.plans import PlanCatalog
from svc_billing.poller import StripePoller
from svc_billing.service import Billing, BillingServicer
from svc_billing.stripe_events import StripeEvents
from svc_billing.subscriptions import Subscriptions
from svc_billing.wallet import Wallets

TWIN_SECRET_KEY = "sk_test_twin"


@dataclass
class Assembly:
    """Billing as built: the domain and what runs beside it (tests reach into it)."""

    billing: Billing
    plan_sync: PlanSync
    poller: StripePoller
    relay: OutboxRelay
    twin: TwinServer | None = None
    background: list = field(default_factory=list)


def make_stripe(ctx: ServiceContext, settings: BillingSettings) -> tuple[StripeGateway, TwinServer | None]:
    """The SDK adapter on Stripe (a key is set), or on a twin served by this process, whose
    objects live in the database: every replica's twin serves the same ones."""
    if settings.stripe_secret_key is not None:
        key = settings.stripe_secret_key.get_secret_value()
        return StripeSdkGateway(
            key, settings.stripe_api_base, timeout_s=settings.stripe_timeout_s, clock=ctx.clock
        ), None
    twin = StripeTwin(
        webhook_secret(settings, ctx.clients.api_key or ""),
        ctx.clock,
        store=DatabaseTwinStore(ctx.db),
    )
    twin.webhook_url = (
        settings.twin_webhook_url
        or f"http://{ctx.settings.grpc_host}:{ctx.settings.edge_port}/payments/webhook"
    )
    server = TwinServer(twin, settings.twin_host, settings.twin_port)
    gateway = StripeSdkGateway(
        TWIN_SECRET_KEY, lambda: server.base_url, timeout_s=settings.stripe_timeout_s, clock=ctx.clock
    )
    return gateway, server


def assemble(
    ctx: ServiceContext,
    settings: BillingSettings,
    *,
    stripe: StripeGateway | None = None,
    accounts: AccountDirectory | None = None,
) -> Assembly:
    twin = None
    if stripe is None:
        stripe, twin = make_stripe(ctx, settings)
    if accounts is None:
        accounts = GrpcAccountDirectory(ctx.clients.stub(auth_service_pb2_grpc.AuthServiceStub, "auth"))
    catalog = PlanCatalog(settings.currency)
    subscriptions = Subscriptions(
        ctx.db, ctx.kv, ctx.clock, stripe, catalog, settings, ctx.settings.public_url
    )
    wallets = Wallets(ctx.db, ctx.clock, settings)
    deposits = Deposits(wallets, stripe, subscriptions)
    plan_sync = PlanSync(
        ctx.db,
        ctx.kv,
        accounts,
        ctx.clock,
        cache_ttl_s=settings.plan_cache_ttl_s,
        refresh_plan=subscriptions.refresh_plan,
    )
    events = StripeEvents(
        ctx.db,
        ctx.clock,
        stripe,
        subscriptions,
        deposits,
        livemode=settings.stripe_livemode,
        on_commit=plan_sync.wake,
    )
    billing = Billing(catalog, subscriptions, wallets, deposits, events)
    poller = StripePoller(ctx.db, ctx.clock, events, settings.poll_every_s)
    relay = OutboxRelay(ctx.db, ctx.bus, [OUTBOX], ctx.clock)
    deletions = AccountDeletions(ctx.bus, "billing", partial(anonymise_customer, ctx.db, stripe))
    poll = leased(ctx.kv, ctx.clock, "billing.stripe-poller", poller.run)
    background = [relay.run, plan_sync.run, poll, deletions.run]
    if twin is not None:
        background.insert(0, twin.serve)
    return Assembly(billing, plan_sync, poller, relay, twin, background)


async def build(ctx: ServiceContext, settings: BillingSettings) -> BuiltService:
    built = assemble(ctx, settings)
    return BuiltService(
        servicers=[
            (billing_service_pb2_grpc.add_BillingServiceServicer_to_server, BillingServicer(built.billing))
        ],
        background=built.background,
    )
