"""The investment servicer. Its contract is final; its logic arrives with the investment issue."""

from __future__ import annotations

from typing import TypeAlias

import grpc
from trading.broker.v1 import investment_messages_pb2 as pb
from trading.broker.v1 import investment_service_pb2_grpc

from core.errors import Unimplemented

PENDING = "arrives with the investment accounts issue"
Ctx: TypeAlias = grpc.aio.ServicerContext


class InvestmentServicer(investment_service_pb2_grpc.InvestmentServiceServicer):
    """Answers UNIMPLEMENTED on every RPC until investment accounts are built."""

    async def ListInvestmentProducts(self, request: pb.ListInvestmentProductsRequest, context: Ctx):
        raise Unimplemented(f"ListInvestmentProducts {PENDING}")

    async def ListInvestmentAccounts(self, request: pb.ListInvestmentAccountsRequest, context: Ctx):
        raise Unimplemented(f"ListInvestmentAccounts {PENDING}")

    async def CreateInvestmentAccount(self, request: pb.CreateInvestmentAccountRequest, context: Ctx):
        raise Unimplemented(f"CreateInvestmentAccount {PENDING}")

    async def DepositInvestment(self, request: pb.DepositInvestmentRequest, context: Ctx):
        raise Unimplemented(f"DepositInvestment {PENDING}")

    async def WithdrawInvestment(self, request: pb.WithdrawInvestmentRequest, context: Ctx):
        raise Unimplemented(f"WithdrawInvestment {PENDING}")

    async def GetInvestmentPerformance(self, request: pb.GetInvestmentPerformanceRequest, context: Ctx):
        raise Unimplemented(f"GetInvestmentPerformance {PENDING}")
