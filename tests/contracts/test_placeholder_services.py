"""Education and billing are served with their final contracts and answer every RPC
UNIMPLEMENTED through the real chassis until their own issues fill them in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pool
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from trading.billing.v1 import billing_messages_pb2 as billing
from trading.common.v1.money_pb2 import Money
from trading.education.v1 import education_messages_pb2 as edu

import svc_billing
import svc_education
from core.access import load_contracts
from core.auth import Authenticator
from core.bus import InProcessBus
from core.clients import ClientFactory
from core.clock import Clock
from core.db import Database
from core.interceptor import ChassisInterceptor
from core.keys import KeyStore
from core.kv import MemoryKeyValue
from core.server import create_server
from core.service import ServiceContext, ServiceSpec
from core.settings import Settings

UUID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
KEY = "0f8fad5b-d9cb-469f-a165-70867728950e"
USD_10 = Money(currency="USD", minor_units=1000)

SPECS = [svc_education.SERVICE, svc_billing.SERVICE]

# A valid request for every RPC, so each call gets past validation to the servicer.
REQUESTS: dict[str, Message] = {
    "trading.education.v1.EducationService.ListCourses": edu.ListCoursesRequest(),
    "trading.education.v1.EducationService.GetCourse": edu.GetCourseRequest(slug="forex-basics"),
    "trading.education.v1.EducationService.EnrollCourse": edu.EnrollCourseRequest(id=UUID),
    "trading.education.v1.EducationService.GetLesson": edu.GetLessonRequest(id=UUID),
    "trading.education.v1.EducationService.UpdateLessonProgress": edu.UpdateLessonProgressRequest(id=UUID),
    "trading.education.v1.EducationService.SubmitQuiz": edu.SubmitQuizRequest(
        id=UUID, answers=[edu.QuizAnswer(question_id=UUID, option_ids=["a"])]
    ),
    "trading.billing.v1.BillingService.ListPlans": billing.ListPlansRequest(),
    "trading.billing.v1.BillingService.CreateCheckoutSession": billing.CreateCheckoutSessionRequest(
        plan_id="pro-monthly", idempotency_key=KEY
    ),
    "trading.billing.v1.BillingService.GetSubscription": billing.GetSubscriptionRequest(),
    "trading.billing.v1.BillingService.CancelSubscription": billing.CancelSubscriptionRequest(),
    "trading.billing.v1.BillingService.GetWallet": billing.GetWalletRequest(),
    "trading.billing.v1.BillingService.CreateWalletDeposit": billing.CreateWalletDepositRequest(
        amount=USD_10, method=billing.DEPOSIT_METHOD_CARD, idempotency_key=KEY
    ),
    "trading.billing.v1.BillingService.ProcessStripeEvent": billing.ProcessStripeEventRequest(
        event_id="evt_123",
        event_type="invoice.payment_failed",
        payload=b"{}",
        created_at=Timestamp(seconds=1),
    ),
    "trading.billing.v1.BillingService.GetUserPlan": billing.GetUserPlanRequest(user_id="u1"),
    "trading.billing.v1.BillingService.TransferWalletFunds": billing.TransferWalletFundsRequest(
        user_id="u1",
        type=billing.WALLET_TRANSACTION_TYPE_INVESTMENT_WITHDRAWAL,
        amount=USD_10,
        reference=UUID,
        idempotency_key=KEY,
    ),
}


def methods_of(spec: ServiceSpec) -> list:  # list of MethodDescriptor
    load_contracts()
    pool = descriptor_pool.Default()
    return [m for name in spec.grpc_services for m in pool.FindServiceByName(name).methods]


async def drain(call: Any) -> None:
    """Await a unary call, or read a server stream to its end."""
    if hasattr(call, "__aiter__"):
        async for _ in call:
            pass
    else:
        await call


def context(tmp_path: Path, keys: KeyStore, clock: Clock) -> ServiceContext:
    settings = Settings(data_dir=tmp_path)
    return ServiceContext(
        settings=settings,
        db=Database(settings.effective_database_url),
        bus=InProcessBus(),
        kv=MemoryKeyValue(clock),
        clock=clock,
        clients=ClientFactory(settings, clock),
        keys=keys,
    )


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[grpc.aio.Channel, KeyStore]]:
    clock = Clock()
    keys = KeyStore.ephemeral("https://trading.test", "trading-api", clock)
    ctx = context(tmp_path, keys, clock)
    built = [await spec.build(ctx) for spec in SPECS]
    interceptor = ChassisInterceptor(Authenticator(keys, None), ctx.kv)
    server, port = await create_server(
        "127.0.0.1:0",
        [pair for b in built for pair in b.servicers],
        [name for spec in SPECS for name in spec.grpc_services],
        interceptors=[interceptor],
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield channel, keys
    await channel.close()
    await server.stop(0)
    await ctx.db.dispose()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_a_placeholder_service_owns_no_tables_yet(spec: ServiceSpec) -> None:
    assert list(spec.metadata) == []
    assert spec.migrations is None


def test_every_rpc_of_the_placeholder_services_has_a_request_here() -> None:
    assert {m.full_name for spec in SPECS for m in methods_of(spec)} == set(REQUESTS)


async def test_every_rpc_answers_unimplemented_naming_the_issue_that_brings_it(
    served: tuple[grpc.aio.Channel, KeyStore],
) -> None:
    channel, keys = served
    # An admin passes every audience (user and service alike); quotas do not count admins.
    admin = (("authorization", f"Bearer {keys.sign_access_token({'sub': 'admin-1', 'roles': ['admin']})}"),)
    answers = {}
    for spec in SPECS:
        for method in methods_of(spec):
            path = f"/{method.containing_service.full_name}/{method.name}"
            kind = channel.unary_stream if method.server_streaming else channel.unary_unary
            call = kind(path, request_serializer=lambda m: m.SerializeToString(), response_deserializer=bytes)
            with pytest.raises(grpc.aio.AioRpcError) as failed:
                await drain(call(REQUESTS[method.full_name], metadata=admin, timeout=5))
            answers[method.full_name] = (failed.value.code(), failed.value.details() or "")
    wrong = {
        name: answer
        for name, answer in answers.items()
        if answer[0] != grpc.StatusCode.UNIMPLEMENTED or "arrives with the" not in answer[1]
    }
    assert not wrong
