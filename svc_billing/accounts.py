"""What billing asks of svc_auth, behind a small interface: the plan claim and account mail."""

from __future__ import annotations

from typing import Protocol


class AccountDirectory(Protocol):
    """svc_auth as billing uses it (with the service credential). A user auth does not know is
    core.errors.NotFound; anything else that fails may pass and is tried again."""

    async def set_plan(self, user_id: str, plan: str) -> None: ...

    async def queue_mail(self, user_id: str, subject: str, body: str, idempotency_key: str) -> None: ...


MAILS = {
    "welcome": (
        "Welcome to {plan_name}",
        "Your {plan_name} plan is active. Your new limits apply from your next sign-in or token refresh.\n\n"
        "Thank you for subscribing.\n",
    ),
    "payment_failed": (
        "Your payment did not go through",
        "We could not charge your {plan_name} renewal. Your plan stays active while the payment is "
        "retried; please check your payment method.\n",
    ),
    "ended": (
        "Your subscription has ended",
        "Your {plan_name} plan has ended and your account is back on the Free plan.\n",
    ),
}
