"""The wallet: transfers for investment accounts, idempotency, overdrafts, amount checks."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from core.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from svc_billing import ledger
from svc_billing.models import LedgerEntry, Wallet, WalletTransaction
from svc_billing.wallet import INVESTMENT_DEPOSIT, INVESTMENT_WITHDRAWAL
from tests.billing.conftest import World

KEY = "k" * 16


async def fund(world: World, user: str, minor: int, key: str = "fund-0000000000000") -> None:
    await world.billing.wallets.transfer(user, INVESTMENT_WITHDRAWAL, minor, "USD", "acct-1", key)


async def rows(world: World, model: type) -> int:
    async with world.ctx.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def assert_books_balance(world: World) -> None:
    """Every wallet's balance is the sum of its entries, and all entries sum to zero."""
    async with world.ctx.db.session() as s:
        assert await ledger.total(s) == 0
        for wallet in (await s.scalars(select(Wallet))).all():
            assert wallet.balance_minor == await ledger.account_balance(
                s, ledger.wallet_account(wallet.user_id), "USD"
            )
            assert wallet.balance_minor >= 0


async def test_a_transfer_in_and_out_posts_balanced_entries(world: World) -> None:
    await fund(world, "u1", 10_000)
    world.clock.advance(1)
    out = await world.billing.wallets.transfer("u1", INVESTMENT_DEPOSIT, 2_500, "USD", "acct-1", KEY)
    assert out.balance_minor == 7_500
    assert out.transaction.amount_minor == -2_500
    view = await world.billing.wallets.view("u1")
    assert view.balance_minor == 7_500
    assert [t.amount_minor for t in view.transactions] == [-2_500, 10_000]
    await assert_books_balance(world)


async def test_a_retried_transfer_moves_money_once_and_returns_the_first_result(world: World) -> None:
    await fund(world, "u1", 10_000)
    first = await world.billing.wallets.transfer("u1", INVESTMENT_DEPOSIT, 1_000, "USD", "acct-1", KEY)
    again = await world.billing.wallets.transfer("u1", INVESTMENT_DEPOSIT, 1_000, "USD", "acct-1", KEY)
    assert again.transaction.id == first.transaction.id
    assert again.balance_minor == first.balance_minor == 9_000
    assert (await world.billing.wallets.view("u1")).balance_minor == 9_000


async def test_concurrent_retries_of_one_key_move_money_once(world: World) -> None:
    await fund(world, "u1", 10_000)
    results = await asyncio.gather(
        *(
            world.billing.wallets.transfer("u1", INVESTMENT_DEPOSIT, 700, "USD", "acct-1", KEY)
            for _ in range(10)
        )
    )
    assert len({r.transaction.id for r in results}) == 1
    assert (await world.billing.wallets.view("u1")).balance_minor == 9_300
    await assert_books_balance(world)


async def test_a_key_reused_for_another_transfer_is_refused(world: World) -> None:
    await fund(world, "u1", 10_000)
    await world.billing.wallets.transfer("u1", INVESTMENT_DEPOSIT, 1_000, "USD", "acct-1", KEY)
    with pytest.raises(AlreadyExists):
        await world.billing.wallets.transfer("u1", INVESTMENT_DEPOSIT, 2_000, "USD", "acct-1", KEY)


async def test_fifty_concurrent_transfers_never_take_the_wallet_below_zero(world: World) -> None:
    await fund(world, "u1", 10_000)

    async def spend(i: int) -> str:
        try:
            await world.billing.wallets.transfer(
                "u1", INVESTMENT_DEPOSIT, 300, "USD", "acct-1", f"spend-{i:012d}"
            )
        except FailedPrecondition as e:
            return e.reason
        return "moved"

    done = await asyncio.gather(*(spend(i) for i in range(50)))
    assert done.count("moved") == 33  # 33 * 300 = 9,900 of 10,000
    assert set(done) == {"moved", "INSUFFICIENT_FUNDS"}
    assert (await world.billing.wallets.view("u1")).balance_minor == 100
    await assert_books_balance(world)


@pytest.mark.parametrize(
    ("minor", "currency", "field"),
    [
        (0, "USD", "amount.minor_units"),
        (-5, "USD", "amount.minor_units"),
        (100_000_001, "USD", "amount.minor_units"),
        (100, "EUR", "amount.currency"),
    ],
    ids=["zero", "negative", "above-limit", "wrong-currency"],
)
async def test_a_bad_amount_is_invalid_and_writes_nothing(
    world: World, minor: int, currency: str, field: str
) -> None:
    await fund(world, "u1", 10_000)
    before = (await rows(world, WalletTransaction), await rows(world, LedgerEntry))
    with pytest.raises(InvalidArgument) as refused:
        await world.billing.wallets.transfer("u1", INVESTMENT_DEPOSIT, minor, currency, "acct-1", KEY)
    assert [v[0] for v in refused.value.violations] == [field]
    assert (await rows(world, WalletTransaction), await rows(world, LedgerEntry)) == before


async def test_an_overdraft_is_refused_and_writes_nothing(world: World) -> None:
    await fund(world, "u1", 500)
    before = await rows(world, LedgerEntry)
    with pytest.raises(FailedPrecondition):
        await world.billing.wallets.transfer("u1", INVESTMENT_DEPOSIT, 501, "USD", "acct-1", KEY)
    assert await rows(world, LedgerEntry) == before
    assert (await world.billing.wallets.view("u1")).balance_minor == 500
