"""Input validation per request: protovalidate (every rule through the CEL interpreter) against
the checks core.validation compiles from the same rules; µs per validate and the ratio.

Valid requests (the common case: every rule runs and passes) and one invalid request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from google.protobuf.message import Message
from trading.auth.v1 import auth_messages_pb2 as auth
from trading.broker.v1 import broker_messages_pb2 as broker
from trading.education.v1 import education_messages_pb2 as edu
from trading.inference.v1 import inference_messages_pb2 as inference

from core import validation

UUID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def requests() -> list[tuple[str, Message]]:
    row = inference.FeatureRow(values=[0.1 * i for i in range(21)])
    return [
        (
            "CreateSignal (signal request)",
            inference.CreateSignalRequest(symbol="EURUSD", horizon=5, strategy="xgb", timeframe="1h"),
        ),
        (
            "Register",
            auth.RegisterRequest(
                email="ana@example.com", password="a long passphrase 1", first_name="Ana", last_name="Ruiz"
            ),
        ),
        (
            "CreateOrder (limit)",
            broker.CreateOrderRequest(
                symbol="EURUSD",
                side=broker.ORDER_SIDE_BUY,
                amount="1000",
                amount_unit=broker.AMOUNT_UNIT_UNITS,
                type=broker.ORDER_TYPE_LIMIT,
                limit_price="1.0850",
                client_order_id="c-1",
            ),
        ),
        (
            "SubmitQuiz (10 answers)",
            edu.SubmitQuizRequest(
                id=UUID, answers=[edu.QuizAnswer(question_id=UUID, option_ids=["a", "b"]) for _ in range(10)]
            ),
        ),
        ("PredictRows (1,024 rows)", inference.PredictRowsRequest(name="signal-xgb", rows=[row] * 1024)),
        (
            "Register, invalid (3 violations)",
            auth.RegisterRequest(email="not-an-email", password="short", first_name="Ana"),
        ),
    ]


def per_call_us(fn: Callable[[Message], object], message: Message, budget_s: float = 0.5) -> float:
    fn(message)  # compile and warm up
    calls, start = 0, time.perf_counter()
    while True:
        fn(message)
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= budget_s and calls >= 3:
            return elapsed / calls * 1e6


def main() -> None:
    print(f"{'request':36} {'protovalidate µs':>17} {'compiled µs':>12} {'ratio':>8}")
    for label, message in requests():
        assert validation.fallback_reason(message.DESCRIPTOR) is None, label
        assert validation.compiled_violations(message) == validation.protovalidate_violations(message)
        reference = per_call_us(validation.protovalidate_violations, message)
        compiled = per_call_us(validation.compiled_violations, message)
        print(f"{label:36} {reference:17.1f} {compiled:12.2f} {reference / compiled:7.0f}x", flush=True)


if __name__ == "__main__":
    main()
