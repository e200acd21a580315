"""The investment servicer: proto in, the investment domain, proto out. Accounts are always the
caller's own (another user's id is NOT_FOUND)."""

from __future__ import annotations

from typing import TypeAlias

import grpc
from trading.broker.v1 import investment_messages_pb2 as pb
from trading.broker.v1 import investment_service_pb2_grpc

from core.auth import require_verified_email
from core.principal import current_principal
from svc_broker.investment import convert
from svc_broker.investment.accounts import Accounts
from svc_broker.investment.kyc import Kyc
from svc_broker.investment.performance import Performance
from svc_broker.investment.products import PRODUCTS

Ctx: TypeAlias = grpc.aio.ServicerContext


def _user() -> str:
    return current_principal().require_user()


def _paying_user() -> str:
    """The caller, when they may move wallet money (a verified email; withdrawals stay open)."""
    who = current_principal()
    require_verified_email(who)
    return who.require_user()


class InvestmentServicer(investment_service_pb2_grpc.InvestmentServiceServicer):
    def __init__(self, accounts: Accounts, performance: Performance, kyc: Kyc) -> None:
        self._accounts = accounts
        self._performance = performance
        self._kyc = kyc

    async def ListInvestmentProducts(
        self, request: pb.ListInvestmentProductsRequest, context: Ctx
    ) -> pb.ListInvestmentProductsResponse:
        currency = self._accounts.currency
        products = []
        for p in PRODUCTS:
            record = await self._performance.track_record(p.product_id)
            products.append(convert.product_out(p, currency, record))
        return pb.ListInvestmentProductsResponse(products=products)

    async def ListInvestmentAccounts(
        self, request: pb.ListInvestmentAccountsRequest, context: Ctx
    ) -> pb.ListInvestmentAccountsResponse:
        accounts = await self._accounts.owned(_user())
        return pb.ListInvestmentAccountsResponse(accounts=[convert.account_out(a) for a in accounts])

    async def CreateInvestmentAccount(
        self, request: pb.CreateInvestmentAccountRequest, context: Ctx
    ) -> pb.CreateInvestmentAccountResponse:
        account = await self._accounts.open(
            _paying_user(),
            request.product_id,
            request.amount.minor_units,
            request.amount.currency,
            request.idempotency_key,
        )
        return pb.CreateInvestmentAccountResponse(account=convert.account_out(account))

    async def DepositInvestment(
        self, request: pb.DepositInvestmentRequest, context: Ctx
    ) -> pb.DepositInvestmentResponse:
        transfer = await self._accounts.deposit(
            _paying_user(),
            request.account_id,
            request.amount.minor_units,
            request.amount.currency,
            request.idempotency_key,
        )
        return pb.DepositInvestmentResponse(transaction=convert.transfer_out(transfer))

    async def WithdrawInvestment(
        self, request: pb.WithdrawInvestmentRequest, context: Ctx
    ) -> pb.WithdrawInvestmentResponse:
        transfer = await self._accounts.withdraw(
            _user(),
            request.account_id,
            request.amount.minor_units,
            request.amount.currency,
            request.idempotency_key,
        )
        return pb.WithdrawInvestmentResponse(request=convert.transfer_out(transfer))

    async def GetInvestmentPerformance(
        self, request: pb.GetInvestmentPerformanceRequest, context: Ctx
    ) -> pb.GetInvestmentPerformanceResponse:
        row = await self._accounts.row(_user(), request.account_id)
        size, offset = convert.offset_page(request.page)
        start, end = convert.time_range_in(request)
        snaps, page = convert.page_of(
            await self._performance.between(row.id, start, end, size + 1, offset), size, offset
        )
        return pb.GetInvestmentPerformanceResponse(
            snapshots=[convert.snapshot_out(s, row.currency) for s in snaps], page=page
        )

    async def SubmitKyc(self, request: pb.SubmitKycRequest, context: Ctx) -> pb.SubmitKycResponse:
        view = await self._kyc.submit(_user(), request.full_name, request.country, request.document_number)
        return pb.SubmitKycResponse(status=convert.kyc_status(view))

    async def GetKycStatus(self, request: pb.GetKycStatusRequest, context: Ctx) -> pb.GetKycStatusResponse:
        return convert.kyc_detail_out(await self._kyc.detail(_user()))

    async def ReviewKyc(self, request: pb.ReviewKycRequest, context: Ctx) -> pb.ReviewKycResponse:
        reviewer = current_principal().subject or "service"
        view = await self._kyc.review(request.user_id, reviewer, request.approve, request.reason)
        return pb.ReviewKycResponse(status=convert.kyc_status(view), reason=view.reason or "")

    async def ListAgentDecisions(
        self, request: pb.ListAgentDecisionsRequest, context: Ctx
    ) -> pb.ListAgentDecisionsResponse:
        size, offset = convert.offset_page(request.page)
        decisions, page = convert.page_of(
            await self._accounts.decisions(_user(), request.account_id, size + 1, offset), size, offset
        )
        return pb.ListAgentDecisionsResponse(
            decisions=[convert.decision_out(d) for d in decisions], page=page
        )
