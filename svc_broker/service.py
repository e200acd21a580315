"""The paper-trading servicer: proto in, the paper broker, proto out. The caller's account is
always their own (the principal's subject)."""

from __future__ import annotations

from typing import TypeAlias

import grpc
from trading.broker.v1 import broker_messages_pb2 as pb
from trading.broker.v1 import broker_service_pb2_grpc
from trading.common.v1.paging_pb2 import PageResponse

from core.convert import contract_fields
from core.principal import current_principal
from svc_broker import convert
from svc_broker.venues.paper import PaperBroker

Ctx: TypeAlias = grpc.aio.ServicerContext


def _user() -> str:
    return current_principal().require_user()


class PaperTradingServicer(broker_service_pb2_grpc.PaperTradingServiceServicer):
    def __init__(self, broker: PaperBroker) -> None:
        self._broker = broker

    async def CreateOrder(self, request: pb.CreateOrderRequest, context: Ctx) -> pb.CreateOrderResponse:
        with contract_fields(convert.ORDER_FIELDS):
            order = await self._broker.place_order(_user(), convert.order_request(request))
        return pb.CreateOrderResponse(order=convert.order_out(order))

    async def GetOrder(self, request: pb.GetOrderRequest, context: Ctx) -> pb.GetOrderResponse:
        order = await self._broker.get_order(_user(), request.order_id)
        return pb.GetOrderResponse(order=convert.order_out(order))

    async def ListOrders(self, request: pb.ListOrdersRequest, context: Ctx) -> pb.ListOrdersResponse:
        page = await self._broker.list_orders(
            _user(),
            status=convert.ORDER_STATUS_IN.get(request.status),
            symbol=request.symbol or None,
            page_size=request.page.page_size,
            page_token=request.page.page_token,
        )
        return pb.ListOrdersResponse(
            orders=[convert.order_out(o) for o in page.items],
            page=PageResponse(next_page_token=page.next_token),
        )

    async def CancelOrder(self, request: pb.CancelOrderRequest, context: Ctx) -> pb.CancelOrderResponse:
        order = await self._broker.cancel_order(_user(), request.order_id)
        return pb.CancelOrderResponse(order=convert.order_out(order))

    async def ModifyOrder(self, request: pb.ModifyOrderRequest, context: Ctx) -> pb.ModifyOrderResponse:
        order = await self._broker.modify_order(
            _user(),
            request.order_id,
            limit_price=convert.price_in(request.limit_price, "limit_price"),
            stop_price=convert.price_in(request.stop_price, "stop_price"),
            stop_loss=convert.protection_in(request.stop_loss, "stop_loss"),
            take_profit=convert.protection_in(request.take_profit, "take_profit"),
        )
        return pb.ModifyOrderResponse(order=convert.order_out(order))

    async def ListPositions(self, request: pb.ListPositionsRequest, context: Ctx) -> pb.ListPositionsResponse:
        page = await self._broker.positions(
            _user(),
            status=convert.POSITION_STATUS_IN[request.status],
            page_size=request.page.page_size,
            page_token=request.page.page_token,
        )
        return pb.ListPositionsResponse(
            positions=[convert.position_out(p) for p in page.items],
            page=PageResponse(next_page_token=page.next_token),
        )

    async def GetPosition(self, request: pb.GetPositionRequest, context: Ctx) -> pb.GetPositionResponse:
        position = await self._broker.get_position(_user(), request.position_id)
        return pb.GetPositionResponse(position=convert.position_out(position))

    async def ClosePosition(self, request: pb.ClosePositionRequest, context: Ctx) -> pb.ClosePositionResponse:
        result = await self._broker.close_position(
            _user(), request.position_id, convert.decimal_in(request.quantity, "quantity")
        )
        return pb.ClosePositionResponse(
            position=convert.position_out(result.position), trade=convert.trade_out(result.trade)
        )

    async def ModifyPosition(
        self, request: pb.ModifyPositionRequest, context: Ctx
    ) -> pb.ModifyPositionResponse:
        position = await self._broker.modify_position(
            _user(),
            request.position_id,
            stop_loss=convert.protection_in(request.stop_loss, "stop_loss"),
            take_profit=convert.protection_in(request.take_profit, "take_profit"),
        )
        return pb.ModifyPositionResponse(position=convert.position_out(position))

    async def GetAccount(self, request: pb.GetAccountRequest, context: Ctx) -> pb.GetAccountResponse:
        return pb.GetAccountResponse(account=convert.account_out(await self._broker.account_state(_user())))

    async def ResetAccount(self, request: pb.ResetAccountRequest, context: Ctx) -> pb.ResetAccountResponse:
        return pb.ResetAccountResponse(account=convert.account_out(await self._broker.reset_account(_user())))

    async def ListTrades(self, request: pb.ListTradesRequest, context: Ctx) -> pb.ListTradesResponse:
        page = await self._broker.execution_reports(
            _user(),
            symbol=request.symbol or None,
            page_size=request.page.page_size,
            page_token=request.page.page_token,
        )
        return pb.ListTradesResponse(
            trades=[convert.trade_out(t) for t in page.items],
            page=PageResponse(next_page_token=page.next_token),
        )
