"""BillingService over gRPC through the chassis: access rules, validation, statuses with details."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from google.rpc import error_details_pb2
from trading.billing.v1 import billing_messages_pb2 as pb
from trading.common.v1.money_pb2 import Money

from core.status import details_of, unpack_detail
from tests.billing.conftest import World
from tests.billing.served import Served, serve

KEY = "0f8fad5b-d9cb-469f"


@pytest.fixture
async def served(world: World) -> AsyncIterator[Served]:
    s = await serve(world)
    yield s
    await s.close()


async def test_plans_are_public_with_prices_and_the_seed_quotas(served: Served) -> None:
    plans = (await served.stub.ListPlans(pb.ListPlansRequest(), timeout=30)).plans
    assert [p.id for p in plans] == [
        "free", "basic-monthly", "basic-yearly", "pro-monthly", "pro-yearly",
        "premium-monthly", "premium-yearly",
    ]  # fmt: skip
    pro = {q.name: q for q in plans[3].quotas}
    assert (pro["ml"].limit, pro["ml"].period) == (100, pb.QUOTA_PERIOD_DAY)
    assert pro["payments"].limit == 20
    premium = {q.name: q for q in plans[5].quotas}
    assert premium["ml"].unlimited
    assert plans[4].price.minor_units == 10 * plans[3].price.minor_units


async def test_checkout_returns_the_twin_url_for_the_signed_in_user(served: Served) -> None:
    request = pb.CreateCheckoutSessionRequest(plan_id="pro-monthly", idempotency_key=KEY)
    answer = await served.stub.CreateCheckoutSession(request, metadata=served.user(), timeout=30)
    assert answer.checkout_url.startswith(served.world.twin_server.base_url)
    assert answer.session_id.startswith("cs_")


async def test_checkout_without_a_token_is_unauthenticated(served: Served) -> None:
    request = pb.CreateCheckoutSessionRequest(plan_id="pro-monthly", idempotency_key=KEY)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await served.stub.CreateCheckoutSession(request, timeout=30)
    assert failed.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_checkout_with_stripe_down_is_unavailable_with_retry_info(served: Served) -> None:
    served.world.twin.fail_next = 100
    request = pb.CreateCheckoutSessionRequest(plan_id="pro-monthly", idempotency_key=KEY)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await served.stub.CreateCheckoutSession(request, metadata=served.user(), timeout=30)
    assert failed.value.code() == grpc.StatusCode.UNAVAILABLE
    status = details_of(failed.value)
    assert status is not None
    assert unpack_detail(status, error_details_pb2.RetryInfo).retry_delay.seconds >= 1


@pytest.mark.parametrize(
    "amount",
    [Money(currency="USD", minor_units=0), Money(currency="USD", minor_units=-1),
     Money(currency="USD", minor_units=100_000_001), Money(currency="EUR", minor_units=100)],
    ids=["zero", "negative", "above-limit", "wrong-currency"],
)  # fmt: skip
async def test_a_bad_deposit_is_invalid_argument_with_a_field_violation(
    served: Served, amount: Money
) -> None:
    request = pb.CreateWalletDepositRequest(amount=amount, method=pb.DEPOSIT_METHOD_CARD, idempotency_key=KEY)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await served.stub.CreateWalletDeposit(request, metadata=served.user(), timeout=30)
    assert failed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = details_of(failed.value)
    assert status is not None
    violations = unpack_detail(status, error_details_pb2.BadRequest).field_violations
    assert violations[0].field.startswith("amount")
    assert not served.world.twin.objects


def transfer(kind: pb.WalletTransactionType, minor: int, key: str = KEY) -> pb.TransferWalletFundsRequest:
    return pb.TransferWalletFundsRequest(
        user_id="u1", type=kind, amount=Money(currency="USD", minor_units=minor), reference="acct-1",
        idempotency_key=key,
    )  # fmt: skip


async def test_transfers_need_the_service_credential(served: Served) -> None:
    request = transfer(pb.WALLET_TRANSACTION_TYPE_INVESTMENT_WITHDRAWAL, 1_000)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await served.stub.TransferWalletFunds(request, metadata=served.user(), timeout=30)
    assert failed.value.code() == grpc.StatusCode.PERMISSION_DENIED
    answer = await served.stub.TransferWalletFunds(request, metadata=served.service, timeout=30)
    assert answer.balance.minor_units == 1_000


async def test_an_overdraft_is_failed_precondition_and_a_retry_returns_the_first_result(
    served: Served,
) -> None:
    await served.stub.TransferWalletFunds(
        transfer(pb.WALLET_TRANSACTION_TYPE_INVESTMENT_WITHDRAWAL, 1_000, "fund-key-00000001"),
        metadata=served.service, timeout=10,
    )  # fmt: skip
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await served.stub.TransferWalletFunds(
            transfer(pb.WALLET_TRANSACTION_TYPE_INVESTMENT_DEPOSIT, 1_001),
            metadata=served.service,
            timeout=10,
        )
    assert failed.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    request = transfer(pb.WALLET_TRANSACTION_TYPE_INVESTMENT_DEPOSIT, 400)
    first = await served.stub.TransferWalletFunds(request, metadata=served.service, timeout=30)
    again = await served.stub.TransferWalletFunds(request, metadata=served.service, timeout=30)
    assert again == first
    wallet = await served.stub.GetWallet(pb.GetWalletRequest(), metadata=served.user(), timeout=30)
    assert wallet.balance.minor_units == 600
    assert [t.type for t in wallet.transactions] == [
        pb.WALLET_TRANSACTION_TYPE_INVESTMENT_DEPOSIT, pb.WALLET_TRANSACTION_TYPE_INVESTMENT_WITHDRAWAL,
    ]  # fmt: skip


async def test_an_unverified_email_cannot_check_out_or_deposit_and_nothing_starts(served: Served) -> None:
    unverified = served.user("u9", email_verified=False)
    checkout = pb.CreateCheckoutSessionRequest(plan_id="pro-monthly", idempotency_key=KEY)
    deposit = pb.CreateWalletDepositRequest(
        amount=Money(currency="USD", minor_units=2500), method=pb.DEPOSIT_METHOD_CARD, idempotency_key=KEY
    )
    for call in (
        served.stub.CreateCheckoutSession(checkout, metadata=unverified, timeout=30),
        served.stub.CreateWalletDeposit(deposit, metadata=unverified, timeout=30),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await call
        assert failed.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        status = details_of(failed.value)
        assert status is not None
        assert unpack_detail(status, error_details_pb2.ErrorInfo).reason == "EMAIL_NOT_VERIFIED"
    assert not served.world.twin.objects
    wallet = await served.stub.GetWallet(pb.GetWalletRequest(), metadata=unverified, timeout=30)
    assert wallet.pending_deposits.minor_units == 0
    # Once verified (a renewed token says so), the same user may pay.
    answer = await served.stub.CreateCheckoutSession(checkout, metadata=served.user("u9"), timeout=30)
    assert answer.session_id.startswith("cs_")
