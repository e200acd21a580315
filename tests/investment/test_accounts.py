"""Products, KYC, the opening saga (with crashes at each step), deposits and withdrawals."""

from __future__ import annotations

import asyncio

import pytest

from core.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from svc_broker.investment.accounts import ACTIVE, FAILED, PENDING_DEPOSIT
from svc_broker.investment.products import PRODUCTS, product
from tests.investment.conftest import ADMIN, OTHER, OWNER, Kit


def test_products_offer_atlas_conservative_at_one_percent_risk() -> None:
    assert len(PRODUCTS) >= 3
    atlas = product("atlas")
    assert (atlas.name, atlas.risk_profile, str(atlas.risk_per_trade_percent)) == (
        "Atlas",
        "conservative",
        "1",
    )
    assert {p.risk_profile for p in PRODUCTS} == {"conservative", "moderate", "aggressive"}
    with pytest.raises(NotFound):
        product("nope")


async def test_kyc_review_is_audited_and_unverified_users_cannot_invest(kit: Kit) -> None:
    await kit.wallet.fund(OWNER, 50_000)
    with pytest.raises(FailedPrecondition) as none:
        await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    assert none.value.reason == "KYC_NONE"
    await kit.kyc.submit(OWNER, "Ada Investor", "ES", "X1234567")
    with pytest.raises(FailedPrecondition) as pending:
        await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    assert pending.value.reason == "KYC_PENDING"
    with pytest.raises(InvalidArgument):
        await kit.kyc.review(OWNER, ADMIN, approve=False)  # a rejection needs a reason
    await kit.kyc.review(OWNER, ADMIN, approve=False, reason="document expired")
    with pytest.raises(FailedPrecondition) as rejected:
        await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    assert (rejected.value.reason, "document expired" in rejected.value.message) == ("KYC_REJECTED", True)
    await kit.kyc.submit(OWNER, "Ada Investor", "ES", "Y7654321")
    await kit.kyc.review(OWNER, ADMIN, approve=True)
    trail = [(a.action, a.actor_id) for a in await kit.kyc.audit(OWNER)]
    assert trail == [("submitted", OWNER), ("rejected", ADMIN), ("submitted", OWNER), ("approved", ADMIN)]
    assert await kit.wallet.balance(OWNER) == 50_000  # nothing moved while unverified


async def test_kyc_status_reads_the_owners_status_reason_and_times(kit: Kit) -> None:
    none = await kit.kyc.detail(OWNER)
    assert (none.status, none.submitted_at, none.reviewed_at) == ("none", None, None)
    await kit.kyc.submit(OWNER, "Ada Investor", "ES", "X1234567")
    submitted_at = kit.clock.now()
    pending = await kit.kyc.detail(OWNER)
    assert (pending.status, pending.submitted_at, pending.reviewed_at) == ("pending", submitted_at, None)
    kit.clock.advance(3600)
    await kit.kyc.review(OWNER, ADMIN, approve=False, reason="document expired")
    rejected = await kit.kyc.detail(OWNER)
    assert (rejected.status, rejected.reason) == ("rejected", "document expired")
    assert (rejected.submitted_at, rejected.reviewed_at) == (submitted_at, kit.clock.now())
    kit.clock.advance(60)
    await kit.kyc.submit(OWNER, "Ada Investor", "ES", "Y7654321")
    again = await kit.kyc.detail(OWNER)  # a new submission waits for its own review
    assert (again.status, again.submitted_at, again.reviewed_at) == ("pending", kit.clock.now(), None)
    assert (await kit.kyc.detail(OTHER)).status == "none"  # each user reads their own


async def test_opening_moves_the_money_once_and_activates(kit: Kit) -> None:
    await kit.verified(OWNER, funds=50_000)
    account = await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    assert (account.row.status, account.row.step, account.equity_minor) == (ACTIVE, "done", 20_000)
    assert account.row.agent_id == "agent-atlas"
    assert account.row.venue_account
    again = await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    assert again.row.id == account.row.id
    assert await kit.wallet.balance(OWNER) == 30_000
    assert [a.row.id for a in await kit.accounts.owned(OWNER)] == [account.row.id]
    assert await kit.accounts.owned(OTHER) == []


@pytest.mark.parametrize(
    ("minor", "currency"), [(0, "USD"), (-5, "USD"), (20_000, "EUR"), (100_000_001, "USD")]
)
async def test_bad_amounts_are_invalid_and_move_nothing(kit: Kit, minor: int, currency: str) -> None:
    await kit.verified(OWNER, funds=50_000)
    with pytest.raises(InvalidArgument):
        await kit.accounts.open(OWNER, "atlas", minor, currency, "open-key-0001")
    assert await kit.wallet.balance(OWNER) == 50_000
    assert await kit.accounts.owned(OWNER) == []


async def test_an_empty_wallet_fails_the_account_and_moves_nothing(kit: Kit) -> None:
    await kit.verified(OWNER, funds=5_000)
    with pytest.raises(FailedPrecondition):
        await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    with pytest.raises(FailedPrecondition) as below:
        await kit.accounts.open(OWNER, "atlas", 100, "USD", "open-key-0002")
    assert below.value.reason == "BELOW_MINIMUM_DEPOSIT"
    assert await kit.wallet.balance(OWNER) == 5_000
    assert await kit.accounts.owned(OWNER) == []


@pytest.mark.parametrize("fault", ["down", "lost_reply"])
async def test_a_crash_around_the_transfer_resumes_and_moves_the_money_once(kit: Kit, fault: str) -> None:
    await kit.verified(OWNER, funds=50_000)
    if fault == "down":
        kit.wallet.down = 1
    else:
        kit.wallet.lost_replies = 1
    with pytest.raises(Unavailable):
        await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    [pending] = await kit.accounts.owned(OWNER)
    assert pending.row.status == PENDING_DEPOSIT
    assert await kit.wallet.balance(OWNER) == (50_000 if fault == "down" else 30_000)
    assert await kit.accounts.resume() == 1  # the next start finishes the saga
    [done] = await kit.accounts.owned(OWNER)
    assert (done.row.status, done.equity_minor) == (ACTIVE, 20_000)
    assert await kit.wallet.balance(OWNER) == 30_000
    assert len(set(kit.wallet.calls)) == 1  # every retry carried the step's one key


async def test_a_venue_that_refuses_the_account_is_compensated_by_a_refund(kit: Kit) -> None:
    await kit.verified(OWNER, funds=50_000)
    account_id = await kit.accounts._create(OWNER, product("atlas"), 20_000, "open-key-0001")
    row = await kit.accounts._fund(await kit.accounts.row(None, account_id))
    assert await kit.wallet.balance(OWNER) == 30_000
    refunded = await kit.accounts._refund(row, "venue refused the account")
    assert (refunded.status, refunded.step) == (FAILED, "refunded")
    assert await kit.wallet.balance(OWNER) == 50_000
    assert refunded.deposited_minor == refunded.withdrawn_minor  # nothing left in the account


async def test_a_duplicated_deposit_moves_money_once(kit: Kit) -> None:
    await kit.verified(OWNER, funds=50_000)
    account = await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    first, second = await asyncio.gather(
        kit.accounts.deposit(OWNER, account.row.id, 5_000, "USD", "deposit-key-1"),
        kit.accounts.deposit(OWNER, account.row.id, 5_000, "USD", "deposit-key-1"),
    )
    assert first.transfer_id == second.transfer_id
    assert second.status == "completed"
    assert await kit.wallet.balance(OWNER) == 25_000
    [state] = await kit.accounts.owned(OWNER)
    assert state.equity_minor == 25_000
    with pytest.raises(NotFound):
        await kit.accounts.deposit(OTHER, account.row.id, 5_000, "USD", "deposit-key-2")


async def test_twenty_concurrent_withdrawals_never_take_equity_below_zero(kit: Kit) -> None:
    await kit.verified(OWNER, funds=50_000)
    account = await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    results = await asyncio.gather(
        *(
            kit.accounts.withdraw(OWNER, account.row.id, 3_000, "USD", f"withdraw-key-{i:02}")
            for i in range(20)
        ),
        return_exceptions=True,
    )
    done = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, FailedPrecondition)]
    assert (len(done), len(refused)) == (6, 14)
    [state] = await kit.accounts.owned(OWNER)
    assert state.equity_minor == 2_000
    assert await kit.wallet.balance(OWNER) == 30_000 + 18_000
    with pytest.raises(FailedPrecondition):
        await kit.accounts.withdraw(OWNER, account.row.id, 2_001, "USD", "withdraw-key-xx")
