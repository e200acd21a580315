"""AccountDirectory over svc_auth's gRPC API, called with the service credential."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import grpc
from trading.auth.v1 import auth_messages_pb2 as auth

from core.errors import NotFound

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
        await _known_user(self._auth.SetPlan(auth.SetPlanRequest(user_id=user_id, plan=PLAN_TO_AUTH[plan])))

    async def queue_mail(self, user_id: str, subject: str, body: str, idempotency_key: str) -> None:
        await _known_user(
            self._auth.QueueUserMail(
                auth.QueueUserMailRequest(
                    user_id=user_id, subject=subject, body=body, idempotency_key=idempotency_key
                )
            )
        )


async def _known_user(call: Awaitable[Any]) -> None:
    try:
        await call
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.NOT_FOUND:
            raise NotFound(e.details() or "no such user", reason="USER_NOT_FOUND") from e
        raise
