"""The buf.validate rules of the education, billing and agent contracts accept good input and
refuse bad input, through the chassis' validation step (protovalidate compiles each CEL rule)."""

from __future__ import annotations

import pytest
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from trading.agent.v1 import agent_messages_pb2 as agent
from trading.billing.v1 import billing_messages_pb2 as billing
from trading.common.v1.money_pb2 import Money
from trading.common.v1.paging_pb2 import PageRequest
from trading.education.v1 import education_messages_pb2 as edu

from core.errors import InvalidArgument
from core.validation import validate

UUID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
KEY = "0f8fad5b-d9cb-469f-a165-70867728950e"
USD_10 = Money(currency="USD", minor_units=1000)

VALID = [
    edu.ListCoursesRequest(level=edu.COURSE_LEVEL_BEGINNER, category="forex", page=PageRequest(page_size=20)),
    edu.ListCoursesRequest(),
    edu.GetCourseRequest(slug="forex-basics"),
    edu.EnrollCourseRequest(id=UUID),
    edu.UpdateLessonProgressRequest(id=UUID, completed=True, time_spent=Duration(seconds=600)),
    edu.SubmitQuizRequest(id=UUID, answers=[edu.QuizAnswer(question_id=UUID, option_ids=["a"])]),
    billing.ListPlansRequest(),
    billing.CreateCheckoutSessionRequest(plan_id="pro-monthly", idempotency_key=KEY),
    billing.CreateCheckoutSessionRequest(plan_id="pro-monthly", promo_code="WELCOME10", idempotency_key=KEY),
    billing.GetWalletRequest(page=PageRequest(page_size=50, page_token="abc")),
    billing.CreateWalletDepositRequest(
        amount=USD_10, method=billing.DEPOSIT_METHOD_CARD, idempotency_key=KEY
    ),
    billing.ProcessStripeEventRequest(
        event_id="evt_1NG8Du2eZvKYlo2C",
        event_type="checkout.session.completed",
        payload=b"{}",
        created_at=Timestamp(seconds=1_700_000_000),
    ),
    billing.TransferWalletFundsRequest(
        user_id="u1",
        type=billing.WALLET_TRANSACTION_TYPE_INVESTMENT_DEPOSIT,
        amount=USD_10,
        reference=UUID,
        idempotency_key=KEY,
    ),
    agent.ChatRequest(message="Analiza EURUSD y dame una señal"),
    agent.ChatRequest(message="y ahora GBPUSD", conversation_id=UUID),
    agent.GetConversationRequest(id=UUID),
]

INVALID = [
    (edu.GetCourseRequest(slug="Forex Basics"), "slug"),
    (edu.EnrollCourseRequest(id="42"), "id"),
    (edu.ListCoursesRequest(page=PageRequest(page_size=1000)), "page"),
    (edu.ListCoursesRequest(level=99), "level"),  # type: ignore[arg-type]
    (edu.UpdateLessonProgressRequest(id=UUID, time_spent=Duration(seconds=-1)), "time_spent"),
    (edu.SubmitQuizRequest(id=UUID), "answers"),
    (edu.SubmitQuizRequest(id=UUID, answers=[edu.QuizAnswer(question_id=UUID)]), "answers[0].option_ids"),
    (billing.CreateCheckoutSessionRequest(plan_id="pro-monthly"), "idempotency_key"),
    (billing.CreateCheckoutSessionRequest(plan_id="pro", promo_code="", idempotency_key=KEY), "promo_code"),
    (billing.CreateWalletDepositRequest(method=billing.DEPOSIT_METHOD_CARD, idempotency_key=KEY), "amount"),
    (
        billing.CreateWalletDepositRequest(
            amount=Money(currency="USD", minor_units=-5),
            method=billing.DEPOSIT_METHOD_CARD,
            idempotency_key=KEY,
        ),
        "amount",
    ),
    (
        billing.CreateWalletDepositRequest(
            amount=Money(currency="EUR", minor_units=500),
            method=billing.DEPOSIT_METHOD_CARD,
            idempotency_key=KEY,
        ),
        "amount",
    ),
    (billing.CreateWalletDepositRequest(amount=USD_10, idempotency_key=KEY), "method"),
    (
        billing.ProcessStripeEventRequest(
            event_id="1234", event_type="x", payload=b"{}", created_at=Timestamp()
        ),
        "event_id",
    ),
    (
        billing.TransferWalletFundsRequest(
            user_id="u1",
            type=billing.WALLET_TRANSACTION_TYPE_DEPOSIT,
            amount=USD_10,
            reference="r",
            idempotency_key=KEY,
        ),
        "type",
    ),
    (agent.ChatRequest(message=""), "message"),
    (agent.ChatRequest(message="hola", conversation_id="not-a-uuid"), "conversation_id"),
    (agent.DeleteConversationRequest(id=""), "id"),
]


@pytest.mark.parametrize("request_", VALID, ids=lambda m: type(m).__name__)
def test_a_valid_request_passes_its_rules(request_: Message) -> None:
    validate(request_)


@pytest.mark.parametrize(
    ("request_", "field"), INVALID, ids=lambda v: v if isinstance(v, str) else type(v).__name__
)
def test_an_invalid_request_is_refused_on_the_right_field(request_: Message, field: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        validate(request_)
    assert field in {name for name, _ in refused.value.violations}
