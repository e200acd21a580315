"""A practice lesson completed by a real paper order in the all-in-one runtime: auth, market,
broker and education migrated, bootstrapped and served on one gRPC server with their background
tasks. A learner registers, enrols, places a paper order, and the broker's trade_executed event
(outbox -> bus) completes the lesson. Education never reads the broker's tables."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import grpc
import pytest
from trading.auth.v1 import auth_messages_pb2 as apb
from trading.auth.v1 import auth_service_pb2_grpc
from trading.broker.v1 import broker_messages_pb2 as bpb
from trading.broker.v1 import broker_service_pb2_grpc
from trading.education.v1 import education_messages_pb2 as epb
from trading.education.v1 import education_service_pb2_grpc

from app.migrate import migrate
from app.registry import load_specs
from app.runtime import Runtime, make_context
from core.settings import Settings
from svc_education.config import EducationSettings
from svc_market.config import MarketSettings
from svc_market.wiring import bootstrap_market
from tests.broker.test_end_to_end import place_when_priced
from tests.conftest import drop_service_schemas

pytestmark = pytest.mark.slow
CANDLES = "reading-candles-and-indicators"
RISK = "risk-management-in-r-multiples"


@pytest.fixture
async def channel(
    tmp_path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[grpc.aio.Channel]:
    monkeypatch.setenv("TRADING_MARKET_DEMO_SYMBOLS", '["BTCUSD"]')
    monkeypatch.setenv("TRADING_MARKET_DEMO_DAYS", "2")
    monkeypatch.setenv("TRADING_MARKET_TICKER_SYMBOLS", '["BTCUSD"]')
    monkeypatch.setenv("TRADING_MARKET_STREAM_INTERVAL_S", "0.05")
    settings = Settings(data_dir=tmp_path, grpc_port=0, database_url=database_url)
    specs = load_specs(["auth", "education", "market", "broker"])
    drop_service_schemas(database_url, specs)
    migrate(settings, specs)
    ctx = make_context(settings)
    await bootstrap_market(ctx, MarketSettings())
    education = specs[1]
    assert education.bootstrap is not None
    await education.bootstrap(ctx, EducationSettings())
    runtime = Runtime(ctx, specs, "test")
    port = await runtime.start("127.0.0.1:0")
    opened = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield opened
    finally:
        await opened.close()
        await runtime.stop(grace_s=0)


async def test_a_paper_order_completes_the_practice_lesson(channel: grpc.aio.Channel) -> None:
    auth = auth_service_pb2_grpc.AuthServiceStub(channel)
    edu = education_service_pb2_grpc.EducationServiceStub(channel)
    paper = broker_service_pb2_grpc.PaperTradingServiceStub(channel)
    registered = await auth.Register(
        apb.RegisterRequest(
            email="lea@example.com", password="a long passphrase 1", first_name="Lea", last_name="L"
        )
    )
    token = (("authorization", f"Bearer {registered.tokens.access_token}"),)

    course = await edu.GetCourse(epb.GetCourseRequest(slug=CANDLES), metadata=token)
    practice = next(
        lesson for m in course.modules for lesson in m.lessons if lesson.kind == epb.LESSON_KIND_PRACTICE
    )
    await edu.EnrollCourse(epb.EnrollCourseRequest(id=course.course.id), metadata=token)
    lesson = await edu.GetLesson(epb.GetLessonRequest(id=practice.id), metadata=token)
    assert lesson.content.practice.kind == epb.PRACTICE_TASK_KIND_OPEN_POSITION
    assert not lesson.progress.completed

    order = bpb.CreateOrderRequest(
        symbol="BTCUSD",
        side=bpb.ORDER_SIDE_BUY,
        amount="0.01",
        amount_unit=bpb.AMOUNT_UNIT_LOTS,
        client_order_id="practice-1",
    )
    created = await place_when_priced(paper, order, token)
    assert created.order.status == bpb.ORDER_STATUS_FILLED

    for _ in range(1000):  # the fill travels broker outbox -> relay -> bus -> education
        lesson = await edu.GetLesson(epb.GetLessonRequest(id=practice.id), metadata=token)
        if lesson.progress.completed:
            break
        await asyncio.sleep(0.02)
    assert lesson.progress.completed
    outline = await edu.GetCourse(epb.GetCourseRequest(slug=CANDLES), metadata=token)
    assert outline.enrollment.progress_percent == 100 // outline.course.lesson_count
    done = [lesson.id for m in outline.modules for lesson in m.lessons if lesson.completed]
    assert done == [practice.id]


async def test_a_limit_order_with_its_stop_at_1r_completes_the_risk_practice_lesson(
    channel: grpc.aio.Channel,
) -> None:
    auth = auth_service_pb2_grpc.AuthServiceStub(channel)
    edu = education_service_pb2_grpc.EducationServiceStub(channel)
    paper = broker_service_pb2_grpc.PaperTradingServiceStub(channel)
    registered = await auth.Register(
        apb.RegisterRequest(
            email="rex@example.com", password="a long passphrase 1", first_name="R", last_name="X"
        )
    )
    token = (("authorization", f"Bearer {registered.tokens.access_token}"),)
    course = await edu.GetCourse(epb.GetCourseRequest(slug=RISK), metadata=token)
    await edu.EnrollCourse(epb.EnrollCourseRequest(id=course.course.id), metadata=token)
    practice_ids = [
        lesson.id for m in course.modules for lesson in m.lessons if lesson.kind == epb.LESSON_KIND_PRACTICE
    ]
    tasks = {
        (await edu.GetLesson(epb.GetLessonRequest(id=i), metadata=token)).content.practice.kind: i
        for i in practice_ids
    }
    practice = tasks[epb.PRACTICE_TASK_KIND_LIMIT_WITH_STOP_LOSS]

    # A market order fills but is not the task; a marketable buy limit with its stop below is.
    market = bpb.CreateOrderRequest(
        symbol="BTCUSD", side=bpb.ORDER_SIDE_BUY, amount="0.01", amount_unit=bpb.AMOUNT_UNIT_LOTS,
        client_order_id="risk-market",
    )  # fmt: skip
    filled = await place_when_priced(paper, market, token)
    assert filled.order.status == bpb.ORDER_STATUS_FILLED
    price = Decimal(filled.order.fill_price)
    limit = bpb.CreateOrderRequest(
        symbol="BTCUSD", side=bpb.ORDER_SIDE_BUY, amount="0.01", amount_unit=bpb.AMOUNT_UNIT_LOTS,
        type=bpb.ORDER_TYPE_LIMIT, limit_price=str(int(price * Decimal("1.01"))),
        stop_loss=str(int(price * Decimal("0.97"))), client_order_id="risk-limit",
    )  # fmt: skip
    placed = await paper.CreateOrder(limit, metadata=token)
    assert placed.order.status == bpb.ORDER_STATUS_FILLED

    for _ in range(1000):  # the fill travels broker outbox -> relay -> bus -> education
        lesson = await edu.GetLesson(epb.GetLessonRequest(id=practice), metadata=token)
        if lesson.progress.completed:
            break
        await asyncio.sleep(0.02)
    assert lesson.progress.completed
    outline = await edu.GetCourse(epb.GetCourseRequest(slug=RISK), metadata=token)
    done = [lesson.id for m in outline.modules for lesson in m.lessons if lesson.completed]
    assert done == [practice]  # the market order completed nothing here
