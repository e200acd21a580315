"""Conservation across the wallet, investment accounts and the venue after a randomized run:
opening accounts, deposits, withdrawals (some beyond the free margin), agent trades and market
moves, some transfers interrupted and resumed. Whatever happens, the wallets plus the accounts'
cash equal what was funded plus the venue's realized PnL, and no account's cash is negative."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.errors import DomainError
from svc_billing.models import LedgerEntry
from svc_broker.investment.models import InvestmentAccountRow
from tests.investment.conftest import Kit
from tests.investment.test_agent import btc_signal

FUNDED = 300_000
_run = itertools.count()

ops = st.lists(
    st.one_of(
        st.tuples(st.just("deposit"), st.integers(-100, 60_000)),
        st.tuples(st.just("withdraw"), st.integers(1, 120_000)),
        st.tuples(st.just("signal"), st.integers(0, 3)),
        st.tuples(st.just("move"), st.integers(-2_000, 2_000)),
        st.tuples(st.just("outage"), st.integers(1, 2)),
        st.tuples(st.just("resume"), st.just(0)),
    ),
    max_size=12,
)


@hsettings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=ops)
async def test_money_is_conserved_across_wallet_accounts_and_venue(kit: Kit, steps: list) -> None:
    run = next(_run)
    user = f"conservation-{run}"
    await kit.verified(user, funds=FUNDED)
    account = await kit.accounts.open(user, "atlas", 100_000, "USD", f"open-key-{run:04}")
    price = 50_000
    for n, (op, arg) in enumerate(steps):
        try:
            if op == "deposit":
                await kit.accounts.deposit(user, account.row.id, arg, "USD", f"dep-{run}-{n:04}")
            elif op == "withdraw":
                await kit.accounts.withdraw(user, account.row.id, arg, "USD", f"wd-{run}-{n:04}")
            elif op == "signal":
                await kit.agent().on_signal(btc_signal(f"sig-{run}-{n}-{arg}", sl=float(price - 900)))
            elif op == "move":
                price = max(1_000, price + arg)
                kit.tick("BTCUSD", str(price), str(price + 10))
            elif op == "outage":
                kit.wallet.down, kit.wallet.lost_replies = (arg, 0) if arg == 1 else (0, 1)
            else:
                kit.wallet.down = kit.wallet.lost_replies = 0
                await kit.accounts.resume()
        except DomainError:
            pass  # refused or interrupted: conservation must hold all the same
    kit.wallet.down = kit.wallet.lost_replies = 0
    await kit.accounts.resume()

    [state] = await kit.accounts.owned(user)
    venue = await kit.venue.account_state(state.row.venue_account or "")
    realized = venue.balance_minor - venue.initial_balance_minor
    async with kit.db.session() as s:
        row = await s.get(InvestmentAccountRow, account.row.id)
        ledger_sum = await s.scalar(select(func.sum(LedgerEntry.amount_minor)))
    assert row is not None
    cash = row.deposited_minor - row.withdrawn_minor + realized
    assert cash == state.balance_minor
    assert cash >= 0
    assert await kit.wallet.balance(user) + row.deposited_minor - row.withdrawn_minor == FUNDED
    assert ledger_sum == 0  # billing's double entry holds
