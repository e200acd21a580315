"""The wallet side of a transfer: billing's TransferWalletFunds, behind a small interface."""

from __future__ import annotations

from typing import Any, Protocol

import grpc
from trading.billing.v1 import billing_messages_pb2 as bpb
from trading.common.v1.money_pb2 import Money

from core.errors import FailedPrecondition, Unavailable

DEPOSIT, WITHDRAWAL = "investment_deposit", "investment_withdrawal"


class WalletFunds(Protocol):
    """Moves money between a user's wallet and an investment account, once per key.

    Raises FailedPrecondition (`INSUFFICIENT_FUNDS`) when the wallet cannot pay, which moved
    nothing; Unavailable when the outcome is unknown (retry with the same key)."""

    async def transfer(
        self, user_id: str, direction: str, minor: int, currency: str, reference: str, key: str
    ) -> None: ...


_TYPE = {
    DEPOSIT: bpb.WALLET_TRANSACTION_TYPE_INVESTMENT_DEPOSIT,
    WITHDRAWAL: bpb.WALLET_TRANSACTION_TYPE_INVESTMENT_WITHDRAWAL,
}
_DEFINITE = {
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.ALREADY_EXISTS,
}


class BillingWallet:
    """TransferWalletFunds over gRPC with the service credential (the stub's default metadata)."""

    def __init__(self, billing: Any) -> None:
        self._billing = billing

    async def transfer(
        self, user_id: str, direction: str, minor: int, currency: str, reference: str, key: str
    ) -> None:
        request = bpb.TransferWalletFundsRequest(
            user_id=user_id,
            type=_TYPE[direction],
            amount=Money(currency=currency, minor_units=minor),
            reference=reference,
            idempotency_key=key,
        )
        try:
            await self._billing.TransferWalletFunds(request)
        except grpc.aio.AioRpcError as err:
            if err.code() in _DEFINITE:
                raise FailedPrecondition(
                    err.details() or "wallet refused", reason="INSUFFICIENT_FUNDS"
                ) from err
            raise Unavailable(f"wallet unreachable: {err.code().name}", reason="WALLET_UNAVAILABLE") from err
