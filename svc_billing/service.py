"""The billing servicer: proto in, one domain call, proto out. User RPCs act on the caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import grpc
from trading.billing.v1 import billing_messages_pb2 as pb
from trading.billing.v1 import billing_service_pb2_grpc
from trading.common.v1.paging_pb2 import PageResponse

from core.auth import require_verified_email
from core.convert import optional_timestamp, timestamp
from core.principal import current_principal
from svc_billing import convert
from svc_billing.deposits import Deposits
from svc_billing.plans import PlanCatalog
from svc_billing.stripe_events import StripeEvents
from svc_billing.subscriptions import Subscriptions
from svc_billing.wallet import Wallets

Ctx: TypeAlias = grpc.aio.ServicerContext


@dataclass
class Billing:
    """The billing domain, assembled by wiring."""

    catalog: PlanCatalog
    subscriptions: Subscriptions
    wallets: Wallets
    deposits: Deposits
    events: StripeEvents


class BillingServicer(billing_service_pb2_grpc.BillingServiceServicer):
    def __init__(self, billing: Billing) -> None:
        self._b = billing

    async def ListPlans(self, request: pb.ListPlansRequest, context: Ctx) -> pb.ListPlansResponse:
        return pb.ListPlansResponse(plans=[convert.plan_out(p) for p in self._b.catalog.plans])

    async def CreateCheckoutSession(
        self, request: pb.CreateCheckoutSessionRequest, context: Ctx
    ) -> pb.CreateCheckoutSessionResponse:
        who = current_principal()
        require_verified_email(who)
        session = await self._b.subscriptions.checkout(
            who.require_user(),
            who.email,
            request.plan_id,
            request.promo_code if request.HasField("promo_code") else None,
            request.idempotency_key,
        )
        return pb.CreateCheckoutSessionResponse(
            checkout_url=session.url, session_id=session.id, expires_at=timestamp(session.expires_at)
        )

    async def GetSubscription(
        self, request: pb.GetSubscriptionRequest, context: Ctx
    ) -> pb.GetSubscriptionResponse:
        user = current_principal().require_user()
        plan = await self._b.subscriptions.user_plan(user)
        latest = await self._b.subscriptions.latest(user)
        return pb.GetSubscriptionResponse(
            tier=convert.TIER[plan.tier], subscription=convert.subscription_out(latest) if latest else None
        )

    async def CancelSubscription(
        self, request: pb.CancelSubscriptionRequest, context: Ctx
    ) -> pb.CancelSubscriptionResponse:
        who = current_principal()
        sub = await self._b.subscriptions.cancel(
            who.require_user(), immediately=request.immediately, is_admin=who.is_admin
        )
        return convert.cancel_out(sub)

    async def GetWallet(self, request: pb.GetWalletRequest, context: Ctx) -> pb.GetWalletResponse:
        view = await self._b.wallets.view(
            current_principal().require_user(), request.page.page_size, request.page.page_token
        )
        return pb.GetWalletResponse(
            balance=convert.money(view.balance_minor, view.currency),
            pending_deposits=convert.money(view.pending_minor, view.currency),
            transactions=[convert.transaction_out(t) for t in view.transactions],
            page=PageResponse(next_page_token=view.next_token),
        )

    async def CreateWalletDeposit(
        self, request: pb.CreateWalletDepositRequest, context: Ctx
    ) -> pb.CreateWalletDepositResponse:
        who = current_principal()
        require_verified_email(who)
        deposit = await self._b.deposits.start(
            who.require_user(),
            who.email,
            request.amount.minor_units,
            request.amount.currency,
            convert.METHOD_IN.get(request.method, "card"),
            request.idempotency_key,
        )
        return pb.CreateWalletDepositResponse(
            payment_intent=convert.intent_out(deposit.intent, deposit.transaction.id)
        )

    async def ProcessStripeEvent(
        self, request: pb.ProcessStripeEventRequest, context: Ctx
    ) -> pb.ProcessStripeEventResponse:
        event = convert.stripe_event_in(request)
        return pb.ProcessStripeEventResponse(outcome=convert.OUTCOME[await self._b.events.process(event)])

    async def GetUserPlan(self, request: pb.GetUserPlanRequest, context: Ctx) -> pb.GetUserPlanResponse:
        plan = await self._b.subscriptions.user_plan(request.user_id)
        return pb.GetUserPlanResponse(
            tier=convert.TIER[plan.tier], plan=plan.tier, valid_until=optional_timestamp(plan.valid_until)
        )

    async def TransferWalletFunds(
        self, request: pb.TransferWalletFundsRequest, context: Ctx
    ) -> pb.TransferWalletFundsResponse:
        result = await self._b.wallets.transfer(
            request.user_id,
            convert.TXN_TYPE_IN[request.type],
            request.amount.minor_units,
            request.amount.currency,
            request.reference,
            request.idempotency_key,
        )
        return pb.TransferWalletFundsResponse(
            transaction=convert.transaction_out(result.transaction),
            balance=convert.money(result.balance_minor, result.transaction.currency),
        )
