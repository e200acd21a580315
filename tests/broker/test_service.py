"""The gRPC contract over a real server with the chassis interceptor."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf import json_format
from trading.broker.v1 import broker_messages_pb2 as pb
from trading.broker.v1 import broker_service_pb2_grpc
from trading.common.v1.paging_pb2 import PageRequest

from core.auth import Authenticator
from core.clock import Clock
from core.interceptor import ChassisInterceptor
from core.keys import KeyStore
from core.kv import MemoryKeyValue
from core.server import create_server
from svc_broker.service import PaperTradingServicer


@pytest.fixture
async def rpc(broker) -> AsyncIterator[tuple]:
    keys = KeyStore.ephemeral("https://trading.test", "trading-api", Clock())
    interceptor = ChassisInterceptor(Authenticator(keys, None), MemoryKeyValue(Clock()))
    server, port = await create_server(
        "127.0.0.1:0",
        [
            (broker_service_pb2_grpc.add_PaperTradingServiceServicer_to_server, PaperTradingServicer(broker)),
        ],
        ["trading.broker.v1.PaperTradingService"],
        interceptors=[interceptor],
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    auth = (("authorization", f"Bearer {keys.sign_access_token({'sub': 'user-9', 'plan': 'premium'})}"),)
    yield (
        broker_service_pb2_grpc.PaperTradingServiceStub(channel),
        auth,
    )
    await channel.close()
    await server.stop(0)


async def test_order_and_positions_over_grpc(rpc, prices) -> None:
    paper, auth = rpc
    created = await paper.CreateOrder(
        pb.CreateOrderRequest(
            symbol="eurusd",
            side=pb.ORDER_SIDE_BUY,
            amount="0.1",
            amount_unit=pb.AMOUNT_UNIT_LOTS,
            stop_loss="1.09",
            client_order_id="c-1",
        ),
        metadata=auth,
    )
    assert (created.order.status, created.order.fill_price, created.order.quantity) == (
        pb.ORDER_STATUS_FILLED,
        "1.1001",
        "10000",
    )
    positions = await paper.ListPositions(pb.ListPositionsRequest(), metadata=auth)
    [position] = positions.positions
    assert (position.side, position.average_price, position.unrealized_pnl.minor_units) == (
        pb.POSITION_SIDE_LONG,
        "1.1001",
        -100,
    )
    account = await paper.GetAccount(pb.GetAccountRequest(), metadata=auth)
    assert account.account.margin.minor_units == 36670


async def test_rejections_come_back_with_their_reason(rpc, prices) -> None:
    paper, auth = rpc
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await paper.CreateOrder(
            pb.CreateOrderRequest(symbol="EURUSD", side=pb.ORDER_SIDE_SELL, amount="10000", stop_loss="1.0"),
            metadata=auth,
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as invalid:
        await paper.CreateOrder(pb.CreateOrderRequest(symbol="EURUSD", amount="-1"), metadata=auth)
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_paper_rpcs_need_a_signed_in_user(rpc) -> None:
    paper, _ = rpc
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await paper.GetAccount(pb.GetAccountRequest())
    assert denied.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_modify_to_a_zero_limit_price_is_refused_and_changes_nothing(rpc, prices) -> None:
    paper, auth = rpc
    resting = await paper.CreateOrder(
        pb.CreateOrderRequest(
            symbol="EURUSD",
            side=pb.ORDER_SIDE_BUY,
            amount="10000",
            type=pb.ORDER_TYPE_LIMIT,
            limit_price="1.09",
        ),
        metadata=auth,
    )
    for field in ("limit_price", "stop_price"):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await paper.ModifyOrder(
                pb.ModifyOrderRequest(order_id=resting.order.order_id, **{field: "0"}), metadata=auth
            )
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    after = await paper.GetOrder(pb.GetOrderRequest(order_id=resting.order.order_id), metadata=auth)
    assert (after.order.limit_price, after.order.status) == ("1.09", pb.ORDER_STATUS_PENDING)


@pytest.mark.parametrize("bad", ["²", "1²", "٣"])  # digits to str.isdigit(), not to int() or to an id
async def test_ids_and_page_tokens_of_unicode_digits_are_invalid_arguments(rpc, prices, bad) -> None:
    paper, auth = rpc
    calls = [
        paper.GetOrder(pb.GetOrderRequest(order_id=bad), metadata=auth),
        paper.CancelOrder(pb.CancelOrderRequest(order_id=bad), metadata=auth),
        paper.GetPosition(pb.GetPositionRequest(position_id=bad), metadata=auth),
        paper.ListTrades(pb.ListTradesRequest(page=PageRequest(page_token=bad)), metadata=auth),
        paper.ListOrders(pb.ListOrdersRequest(page=PageRequest(page_token=bad)), metadata=auth),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ('{"symbol":"EURUSD","side":"buy","amount":"1000"}', pb.ORDER_TYPE_MARKET),  # the seed's own body
        ('{"symbol":"eurusd","side":"ORDER_SIDE_BUY","amount":"1000","type":"market"}', pb.ORDER_TYPE_MARKET),
        (
            '{"symbol":"EURUSD","side":"sell","amount":"1000","type":"limit","limitPrice":"1.2"}',
            pb.ORDER_TYPE_LIMIT,
        ),
    ],
)
async def test_the_seeds_rest_body_places_an_order(rpc, prices, body, kind) -> None:
    """The JSON body maps onto the contract as Envoy's transcoder maps it (the same descriptors):
    lower-case sides and types are names of the enums, and the type defaults to market."""
    paper, auth = rpc
    request = json_format.Parse(body, pb.CreateOrderRequest())
    placed = await paper.CreateOrder(request, metadata=auth)
    assert (placed.order.symbol, placed.order.type, placed.order.quantity) == ("EURUSD", kind, "1000")
    if kind == pb.ORDER_TYPE_MARKET:
        assert (placed.order.status, placed.order.fill_price) == (pb.ORDER_STATUS_FILLED, "1.1001")
    reply = json_format.MessageToDict(placed)
    assert reply["order"]["side"] in ("ORDER_SIDE_BUY", "ORDER_SIDE_SELL")  # replies keep the enum names
