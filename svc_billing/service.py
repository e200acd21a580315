"""The billing servicer. Its contract is final; its logic arrives with the billing issue."""

from __future__ import annotations

import grpc
from trading.billing.v1 import billing_messages_pb2 as pb
from trading.billing.v1 import billing_service_pb2_grpc

from core.errors import Unimplemented

PENDING = "arrives with the billing issue"


class BillingServicer(billing_service_pb2_grpc.BillingServiceServicer):
    """Answers UNIMPLEMENTED on every RPC until the billing issue fills it in."""

    async def ListPlans(self, request: pb.ListPlansRequest, context: grpc.aio.ServicerContext):
        raise Unimplemented(f"ListPlans {PENDING}")

    async def CreateCheckoutSession(
        self, request: pb.CreateCheckoutSessionRequest, context: grpc.aio.ServicerContext
    ):
        raise Unimplemented(f"CreateCheckoutSession {PENDING}")

    async def GetSubscription(self, request: pb.GetSubscriptionRequest, context: grpc.aio.ServicerContext):
        raise Unimplemented(f"GetSubscription {PENDING}")

    async def CancelSubscription(
        self, request: pb.CancelSubscriptionRequest, context: grpc.aio.ServicerContext
    ):
        raise Unimplemented(f"CancelSubscription {PENDING}")

    async def GetWallet(self, request: pb.GetWalletRequest, context: grpc.aio.ServicerContext):
        raise Unimplemented(f"GetWallet {PENDING}")

    async def CreateWalletDeposit(
        self, request: pb.CreateWalletDepositRequest, context: grpc.aio.ServicerContext
    ):
        raise Unimplemented(f"CreateWalletDeposit {PENDING}")

    async def ProcessStripeEvent(
        self, request: pb.ProcessStripeEventRequest, context: grpc.aio.ServicerContext
    ):
        raise Unimplemented(f"ProcessStripeEvent {PENDING}")

    async def GetUserPlan(self, request: pb.GetUserPlanRequest, context: grpc.aio.ServicerContext):
        raise Unimplemented(f"GetUserPlan {PENDING}")

    async def TransferWalletFunds(
        self, request: pb.TransferWalletFundsRequest, context: grpc.aio.ServicerContext
    ):
        raise Unimplemented(f"TransferWalletFunds {PENDING}")
