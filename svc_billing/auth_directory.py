"""AccountDirectory over svc_auth's gRPC API, called with the service credential."""

from __future__ import annotations

from typing import Any

from trading.auth.v1 import auth_messages_pb2 as auth

PLAN_TO_AUTH = {
    "free": auth.PLAN_FREE,
    "basic": auth.PLAN_BASIC,
    "pro": auth.PLAN_PRO,
    "premium": auth.PLAN_PREMIUM,
}


class GrpcAccountDirectory:
    def __init__(self, stub: Any) -> None:
        self._auth = stub  # a core.clients GuardedStub of AuthService

    async def set_plan(self, user_id: str, plan: str) -> None:
        await self._auth.SetPlan(auth.SetPlanRequest(user_id=user_id, plan=PLAN_TO_AUTH[plan]))

    async def queue_mail(self, user_id: str, subject: str, body: str, idempotency_key: str) -> None:
        await self._auth.QueueUserMail(
            auth.QueueUserMailRequest(
                user_id=user_id, subject=subject, body=body, idempotency_key=idempotency_key
            )
        )
