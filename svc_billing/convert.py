"""Billing values to and from the contract's messages."""

from __future__ import annotations

from datetime import UTC

from trading.billing.v1 import billing_messages_pb2 as pb
from trading.common.v1.money_pb2 import Money

from core.convert import optional_timestamp
from svc_billing import plans, wallet
from svc_billing.adapters.stripe.gateway import PaymentIntentInfo
from svc_billing.models import Subscription, WalletTransaction
from svc_billing.stripe_events import IncomingEvent

TIER = {
    "free": pb.PLAN_TIER_FREE,
    "basic": pb.PLAN_TIER_BASIC,
    "pro": pb.PLAN_TIER_PRO,
    "premium": pb.PLAN_TIER_PREMIUM,
}
INTERVAL = {
    "": pb.BILLING_INTERVAL_UNSPECIFIED,
    "month": pb.BILLING_INTERVAL_MONTH,
    "year": pb.BILLING_INTERVAL_YEAR,
}
PERIOD = {"minute": pb.QUOTA_PERIOD_MINUTE, "day": pb.QUOTA_PERIOD_DAY}
SUB_STATUS = {
    "incomplete": pb.SUBSCRIPTION_STATUS_INCOMPLETE,
    "active": pb.SUBSCRIPTION_STATUS_ACTIVE,
    "past_due": pb.SUBSCRIPTION_STATUS_PAST_DUE,
    "canceled": pb.SUBSCRIPTION_STATUS_CANCELED,
}
TXN_TYPE = {
    wallet.DEPOSIT: pb.WALLET_TRANSACTION_TYPE_DEPOSIT,
    wallet.WITHDRAWAL: pb.WALLET_TRANSACTION_TYPE_WITHDRAWAL,
    wallet.INVESTMENT_DEPOSIT: pb.WALLET_TRANSACTION_TYPE_INVESTMENT_DEPOSIT,
    wallet.INVESTMENT_WITHDRAWAL: pb.WALLET_TRANSACTION_TYPE_INVESTMENT_WITHDRAWAL,
    wallet.REFUND: pb.WALLET_TRANSACTION_TYPE_REFUND,
    wallet.ADJUSTMENT: pb.WALLET_TRANSACTION_TYPE_ADJUSTMENT,
}
TXN_TYPE_IN = {v: k for k, v in TXN_TYPE.items()}
TXN_STATUS = {
    wallet.PENDING: pb.WALLET_TRANSACTION_STATUS_PENDING,
    wallet.COMPLETED: pb.WALLET_TRANSACTION_STATUS_COMPLETED,
    wallet.FAILED: pb.WALLET_TRANSACTION_STATUS_FAILED,
    wallet.REVERSED: pb.WALLET_TRANSACTION_STATUS_REVERSED,
}
METHOD_IN = {pb.DEPOSIT_METHOD_CARD: "card", pb.DEPOSIT_METHOD_BANK_TRANSFER: "bank_transfer"}
INTENT_STATUS = {
    "requires_payment_method": pb.PAYMENT_INTENT_STATUS_REQUIRES_PAYMENT_METHOD,
    "requires_confirmation": pb.PAYMENT_INTENT_STATUS_REQUIRES_PAYMENT_METHOD,
    "requires_action": pb.PAYMENT_INTENT_STATUS_REQUIRES_ACTION,
    "processing": pb.PAYMENT_INTENT_STATUS_PROCESSING,
    "succeeded": pb.PAYMENT_INTENT_STATUS_SUCCEEDED,
    "canceled": pb.PAYMENT_INTENT_STATUS_CANCELED,
}
OUTCOME = {
    "applied": pb.STRIPE_EVENT_OUTCOME_APPLIED,
    "duplicate": pb.STRIPE_EVENT_OUTCOME_DUPLICATE,
    "ignored": pb.STRIPE_EVENT_OUTCOME_IGNORED,
}


def money(minor: int, currency: str) -> Money:
    return Money(currency=currency, minor_units=minor)


def plan_out(p: plans.Plan) -> pb.Plan:
    return pb.Plan(
        id=p.id,
        tier=TIER[p.tier],
        name=p.name,
        description=p.description,
        price=money(p.price_minor, p.currency),
        interval=INTERVAL[p.interval],
        features=list(p.features),
        quotas=[
            pb.PlanQuota(name=q.name, limit=q.limit or 0, period=PERIOD[q.period], unlimited=q.limit is None)
            for q in p.quotas
        ],
    )


def subscription_out(s: Subscription) -> pb.Subscription:
    return pb.Subscription(
        id=s.id,
        plan_id=s.plan_id,
        tier=TIER[s.tier],
        status=SUB_STATUS[s.status],
        current_period_start=optional_timestamp(s.current_period_start),
        current_period_end=optional_timestamp(s.current_period_end),
        cancel_at_period_end=s.cancel_at_period_end,
        canceled_at=optional_timestamp(s.canceled_at),
        created_at=optional_timestamp(s.created_at),
    )


def transaction_out(t: WalletTransaction) -> pb.WalletTransaction:
    out = pb.WalletTransaction(
        id=t.id,
        type=TXN_TYPE[t.type],
        status=TXN_STATUS[t.status],
        amount=money(t.amount_minor, t.currency),
        reference=t.reference,
        description=t.description,
        created_at=optional_timestamp(t.created_at),
        completed_at=optional_timestamp(t.completed_at),
    )
    if t.balance_after_minor is not None:
        out.balance_after.CopyFrom(money(t.balance_after_minor, t.currency))
    return out


def intent_out(i: PaymentIntentInfo, transaction_id: str) -> pb.PaymentIntent:
    return pb.PaymentIntent(
        id=i.id,
        client_secret=i.client_secret,
        status=INTENT_STATUS.get(i.status, pb.PAYMENT_INTENT_STATUS_UNSPECIFIED),
        amount=money(i.amount_minor, i.currency),
        transaction_id=transaction_id,
        redirect_url=i.redirect_url,
    )


def cancel_out(s: Subscription) -> pb.CancelSubscriptionResponse:
    """Canceled now, or set to end with its period."""
    canceled = s.status == "canceled" or s.cancel_at_period_end
    return pb.CancelSubscriptionResponse(canceled=canceled, subscription=subscription_out(s))


def stripe_event_in(request: pb.ProcessStripeEventRequest) -> IncomingEvent:
    return IncomingEvent(
        request.event_id,
        request.event_type,
        request.payload,
        request.created_at.ToDatetime(tzinfo=UTC),
        request.livemode,
    )
