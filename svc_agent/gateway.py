"""The tools' Services over gRPC: our own services' clients, called with the user's own token.

Every call goes `as_user=True`, so the callee sees the user who is chatting and enforces that
user's ownership, plan and quotas: the assistant can never reach more than the user could.
A failing call (any status, a timeout, an open breaker, an RPC this build lacks) is a ToolFailure.
"""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from trading.auth.v1 import auth_messages_pb2 as auth_pb
from trading.auth.v1 import auth_service_pb2_grpc
from trading.broker.v1 import broker_messages_pb2 as broker_pb
from trading.broker.v1 import broker_service_pb2_grpc, investment_service_pb2_grpc
from trading.broker.v1 import investment_messages_pb2 as investment_pb
from trading.education.v1 import education_messages_pb2 as education_pb
from trading.education.v1 import education_service_pb2_grpc
from trading.inference.v1 import inference_messages_pb2 as inference_pb
from trading.inference.v1 import inference_service_pb2_grpc
from trading.market.v1 import market_messages_pb2 as market_pb
from trading.market.v1 import market_service_pb2_grpc

from core.clients import ClientFactory
from core.errors import DomainError
from svc_agent.tools import ToolFailure

_SIDES = {"buy": broker_pb.ORDER_SIDE_BUY, "sell": broker_pb.ORDER_SIDE_SELL}


def as_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def investment_account(
    account: investment_pb.InvestmentAccount, product: investment_pb.InvestmentProduct | None
) -> dict[str, Any]:
    """One investment account as the tool shows it: its product by name, status, balance, equity."""
    out: dict[str, Any] = {
        "account_id": account.account_id,
        "product_id": account.product_id,
        "product_name": product.name if product else account.product_id,
        "status": investment_pb.InvestmentAccountStatus.Name(account.status)
        .removeprefix("INVESTMENT_ACCOUNT_STATUS_")
        .lower(),
        "initial_balance": as_dict(account.initial_balance),
        "balance": as_dict(account.balance),
        "equity": as_dict(account.equity),
    }
    if product:
        out["risk_profile"] = (
            investment_pb.RiskProfile.Name(product.risk_profile).removeprefix("RISK_PROFILE_").lower()
        )
    if account.HasField("create_time"):
        out["create_time"] = account.create_time.ToJsonString()
    return out


class GrpcServices:
    """The platform's services for the current caller (the bearer the chassis put in context)."""

    def __init__(self, clients: ClientFactory, deadline_s: float) -> None:
        self._deadline = deadline_s
        self._auth = clients.stub(auth_service_pb2_grpc.AuthServiceStub, "auth")
        self._inference = clients.stub(inference_service_pb2_grpc.InferenceServiceStub, "inference")
        self._market = clients.stub(market_service_pb2_grpc.MarketServiceStub, "market")
        self._paper = clients.stub(broker_service_pb2_grpc.PaperTradingServiceStub, "broker")
        self._investment = clients.stub(investment_service_pb2_grpc.InvestmentServiceStub, "broker")
        self._education = clients.stub(education_service_pb2_grpc.EducationServiceStub, "education")

    async def _call(self, stub: Any, method: str, request: Message) -> Any:
        try:
            rpc = getattr(stub, method)
        except AttributeError:
            raise ToolFailure("UNIMPLEMENTED", f"{method} is not served by this deployment") from None
        try:
            return await rpc(request, timeout=self._deadline, as_user=True)
        except grpc.aio.AioRpcError as err:
            raise ToolFailure(err.code().name, err.details() or err.code().name) from None
        except DomainError as err:  # e.g. the client's breaker for that service is open
            raise ToolFailure(err.code.name, err.message) from None
        except TimeoutError:
            raise ToolFailure("DEADLINE_EXCEEDED", "the service did not answer in time") from None

    async def profile(self) -> dict[str, Any]:
        response = await self._call(self._auth, "GetMe", auth_pb.GetMeRequest())
        return as_dict(response.user)

    async def latest_signal(self, symbol: str, horizon: int) -> dict[str, Any]:
        request = inference_pb.ListSignalsRequest(symbol=symbol, horizon=horizon, page_size=1)
        response = await self._call(self._inference, "ListSignals", request)
        if not response.signals:
            raise ToolFailure("NOT_FOUND", f"no signal for {symbol}")
        signal = as_dict(response.signals[0])
        signal.pop("prediction", None)
        return signal

    async def candles(self, symbol: str, timeframe: str, limit: int) -> list[dict[str, Any]]:
        request = market_pb.GetCandlesRequest(symbol=symbol, tf=timeframe, limit=limit)
        response = await self._call(self._market, "GetCandles", request)
        return [as_dict(c) for c in response.candles]

    async def indicators(self, symbol: str, timeframe: str, points: int) -> list[dict[str, Any]]:
        request = market_pb.GetIndicatorsRequest(symbol=symbol, timeframe=timeframe, points=points)
        response = await self._call(self._market, "GetIndicators", request)
        return [as_dict(p) for p in response.points]

    async def paper_account(self) -> dict[str, Any]:
        response = await self._call(self._paper, "GetAccount", broker_pb.GetAccountRequest())
        return as_dict(response.account)

    async def open_positions(self) -> list[dict[str, Any]]:
        request = broker_pb.ListPositionsRequest(status=broker_pb.POSITION_STATUS_OPEN)
        response = await self._call(self._paper, "ListPositions", request)
        return [as_dict(p) for p in response.positions]

    async def investment_accounts(self) -> list[dict[str, Any]]:
        request = investment_pb.ListInvestmentAccountsRequest()
        response = await self._call(self._investment, "ListInvestmentAccounts", request)
        if not response.accounts:
            return []
        products = await self._products()
        return [investment_account(a, products.get(a.product_id)) for a in response.accounts]

    async def _products(self) -> dict[str, investment_pb.InvestmentProduct]:
        """The catalogue, to name each account's product; without it the accounts still show."""
        try:
            request = investment_pb.ListInvestmentProductsRequest()
            response = await self._call(self._investment, "ListInvestmentProducts", request)
        except ToolFailure:
            return {}
        return {p.product_id: p for p in response.products}

    async def place_market_order(
        self, symbol: str, side: str, amount: str, client_order_id: str
    ) -> dict[str, Any]:
        request = broker_pb.CreateOrderRequest(
            symbol=symbol,
            side=_SIDES[side],
            amount=amount,
            amount_unit=broker_pb.AMOUNT_UNIT_UNITS,
            type=broker_pb.ORDER_TYPE_MARKET,
            client_order_id=client_order_id,
        )
        response = await self._call(self._paper, "CreateOrder", request)
        return as_dict(response.order)

    async def search_lessons(self, query: str, limit: int) -> list[dict[str, Any]]:
        request = education_pb.SearchLessonsRequest(query=query, limit=limit)
        response = await self._call(self._education, "SearchLessons", request)
        return [as_dict(hit) for hit in response.hits]
