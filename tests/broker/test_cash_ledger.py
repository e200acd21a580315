"""Paper cash is double-entry: every movement is a journal summing to zero, the account's cash
entries sum to its balance, and a loss beyond the balance is written off to the house so no
account ever ends below zero."""

from __future__ import annotations

from decimal import Decimal as D

from sqlalchemy import select

from svc_broker.broker import OrderRequest
from svc_broker.models import LedgerEntry, PaperAccount
from svc_broker.venues.paper.ledger import CASH, HOUSE_FUNDING, HOUSE_PNL, HOUSE_WRITE_OFF, books, cash_of
from tests.broker.conftest import USER


async def ledger_state(db) -> tuple[dict[str, int], dict[int, int], dict[int, int]]:
    """The book totals, each account's cash by the ledger and each account's stored balance."""
    async with db.session() as s:
        totals = await books(s)
        accounts = list((await s.execute(select(PaperAccount))).scalars())
        by_ledger = {a.id: await cash_of(s, a.id) for a in accounts}
    return totals, by_ledger, {a.id: a.balance_minor for a in accounts}


async def test_a_stop_out_after_a_gap_never_leaves_a_negative_balance(db, broker, prices) -> None:
    await broker.place_order(USER, OrderRequest("BTCUSD", "buy", D("0.39")))  # at 50,010
    prices.tick("BTCUSD", "20000", "20010")  # the gap: 0.39 x 30,010 = 11,703.90 lost on 10,000
    assert await broker.enforce_stop_out() == 1

    account = await broker.account_state(USER)
    assert account.balance_minor == 0
    [close, _] = (await broker.execution_reports(USER)).items
    assert (close.reason, close.realized_pnl_minor, close.written_off_minor) == (
        "stop_out",
        -1_170_390,
        170_390,
    )
    totals, by_ledger, balances = await ledger_state(db)
    assert by_ledger == balances == {1: 0}
    assert totals == {CASH: 0, HOUSE_FUNDING: -1_000_000, HOUSE_PNL: 1_170_390, HOUSE_WRITE_OFF: -170_390}


async def test_every_journal_sums_to_zero_and_the_cash_entries_to_the_balance(db, broker, prices) -> None:
    await broker.place_order(USER, OrderRequest("EURUSD", "buy", D(10_000)))  # at 1.10010
    prices.tick("EURUSD", "1.10510", "1.10520")
    await broker.place_order(USER, OrderRequest("EURUSD", "sell", D(15_000)))  # closes +50.00, opens short
    prices.tick("EURUSD", "1.10000", "1.10010")
    [short] = (await broker.positions(USER)).items
    await broker.close_position(USER, short.position_id)  # +25.00
    await broker.reset_account(USER)

    totals, by_ledger, balances = await ledger_state(db)
    assert by_ledger == balances == {1: 1_000_000}
    assert sum(totals.values()) == 0
    async with db.session() as s:
        entries = list((await s.execute(select(LedgerEntry))).scalars())
    journals: dict[str, int] = {}
    for entry in entries:
        journals[entry.journal] = journals.get(entry.journal, 0) + entry.amount_minor
    assert set(journals.values()) == {0}
    assert [e.kind for e in entries if e.book == CASH] == ["funding", "fill", "fill", "reset"]
    assert [e.amount_minor for e in entries if e.book == CASH] == [1_000_000, 5000, 2500, -7500]
