"""Market orders placed together are booked in one transaction (group commit), and each keeps
the answer it would get alone: a refused order in the middle of a group leaves no trace and the
others fill, an account's orders apply in the order they came, a client order id makes one order
however many times it is sent, and the ledger still balances."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from core.errors import FailedPrecondition, InvalidArgument, Unavailable
from svc_broker.broker import OrderRequest
from svc_broker.models import OUTBOX, PaperOrder, PaperTrade
from tests.broker.conftest import USER
from tests.broker.test_cash_ledger import ledger_state


async def outcomes(broker, orders: list[tuple[str, OrderRequest]]) -> list[object]:
    """Place the orders at once (they queue for one group) and return each answer or refusal."""
    return await asyncio.gather(*(broker.place_order(user, request) for user, request in orders),
                                return_exceptions=True)  # fmt: skip


async def rows(db, model) -> int:
    async with db.session() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_refused_order_in_a_group_leaves_no_trace_and_the_others_fill(db, broker, prices) -> None:
    # 0.19 BTC at 50,010 with 2x leverage holds 4,750.95 USD of the 10,000: the 0.3 cannot fit
    # after the first, the last still can.
    answers = await outcomes(
        broker,
        [
            (USER, OrderRequest("BTCUSD", "buy", D("0.19"))),
            (USER, OrderRequest("BTCUSD", "buy", D("0.3"))),
            (USER, OrderRequest("BTCUSD", "buy", D("0.1"), stop_loss=D("60000"))),  # SL above the price
            (USER, OrderRequest("BTCUSD", "buy", D("0.19"))),
            ("user-2", OrderRequest("BTCUSD", "sell", D("0.01"))),
        ],
    )
    assert [getattr(a, "status", None) for a in answers] == ["filled", None, None, "filled", "filled"]
    assert isinstance(answers[1], FailedPrecondition)
    assert answers[1].reason == "INSUFFICIENT_MARGIN"
    assert isinstance(answers[2], InvalidArgument)
    assert answers[2].reason == "INVALID_STOP_LOSS"
    [position] = (await broker.positions(USER)).items
    assert position.quantity == D("0.38")
    assert await rows(db, PaperOrder) == await rows(db, PaperTrade) == 3
    totals, by_ledger, balances = await ledger_state(db)
    assert by_ledger == balances
    assert sum(totals.values()) == 0
    account = await broker.account_state(USER)
    assert account.free_margin_minor >= 0


async def test_an_accounts_orders_in_one_group_apply_in_order(db, broker, prices) -> None:
    await broker.place_order(USER, OrderRequest("EURUSD", "buy", D(10_000)))  # at 1.10010
    prices.tick("EURUSD", "1.10510", "1.10520")
    # One group: the open long closed (+50.00), a short opened, closed (-1.00) and a long opened.
    answers = await outcomes(
        broker,
        [
            (USER, OrderRequest("EURUSD", "sell", D(10_000))),
            (USER, OrderRequest("EURUSD", "sell", D(10_000))),
            (USER, OrderRequest("EURUSD", "buy", D(20_000))),
        ],
    )
    assert [a.status for a in answers] == ["filled", "filled", "filled"]  # type: ignore[union-attr]
    [long] = (await broker.positions(USER)).items
    assert (long.side, long.quantity, long.entry_price) == ("long", D(10_000), D("1.10520"))
    closed = (await broker.positions(USER, status="closed")).items
    assert sorted(p.realized_pnl_minor for p in closed) == [-100, 5000]
    reports = (await broker.execution_reports(USER)).items
    assert [(r.side, r.quantity, r.realized_pnl_minor) for r in reversed(reports)] == [
        ("buy", D(10_000), 0),
        ("sell", D(10_000), 5000),
        ("sell", D(10_000), 0),
        ("buy", D(10_000), -100),
        ("buy", D(10_000), 0),
    ]
    assert (await broker.account_state(USER)).balance_minor == 1_000_000 + 5000 - 100
    totals, by_ledger, balances = await ledger_state(db)
    assert by_ledger == balances
    assert sum(totals.values()) == 0


async def test_a_client_order_id_sent_many_times_at_once_makes_one_order(db, broker, prices) -> None:
    request = OrderRequest("BTCUSD", "buy", D("0.01"), client_order_id="bot-7")
    answers = await outcomes(broker, [(USER, request)] * 6 + [("user-2", request)])
    ids = {a.order_id for a in answers[:6]}  # type: ignore[union-attr]
    assert len(ids) == 1
    assert answers[6].order_id not in ids  # type: ignore[union-attr]  # another account's id
    assert await rows(db, PaperOrder) == await rows(db, PaperTrade) == 2
    [position] = (await broker.positions(USER)).items
    assert position.quantity == D("0.01")


async def test_a_group_writes_one_event_per_fill_in_order(db, broker, prices) -> None:
    await outcomes(broker, [(f"user-{i % 3}", OrderRequest("BTCUSD", "buy", D("0.001"))) for i in range(12)])
    async with db.session() as s:
        channels = list((await s.execute(select(OUTBOX.c.channel).order_by(OUTBOX.c.id))).scalars())
        trades = list((await s.execute(select(PaperTrade.account_id).order_by(PaperTrade.id))).scalars())
    assert len(channels) == len(trades) == 12
    assert channels == [f"user:user-{i % 3}:trades" for i in range(12)]


@pytest.mark.parametrize("size", [1, 40])
async def test_groups_of_any_size_keep_the_books(db, broker, prices, size: int) -> None:
    orders = [
        (f"u{i % 7}", OrderRequest("BTCUSD", "buy" if i % 3 else "sell", D("0.01"))) for i in range(size)
    ]
    answers = await outcomes(broker, orders)
    assert all(a.status == "filled" for a in answers)  # type: ignore[union-attr]
    assert await rows(db, PaperTrade) >= size
    totals, by_ledger, balances = await ledger_state(db)
    assert by_ledger == balances
    assert sum(totals.values()) == 0


async def test_a_group_that_fails_as_a_whole_places_its_orders_alone(db, broker, prices, caplog) -> None:
    # An account key longer than its column fails the group's transaction on PostgreSQL (SQLite
    # does not check lengths): the group rolls back and each order is placed again on its own.
    too_long = "u" * 80
    answers = await outcomes(
        broker,
        [
            (USER, OrderRequest("BTCUSD", "buy", D("0.01"))),
            (too_long, OrderRequest("BTCUSD", "buy", D("0.01"))),
            ("user-2", OrderRequest("BTCUSD", "sell", D("0.02"))),
        ],
    )
    assert answers[0].status == answers[2].status == "filled"  # type: ignore[union-attr]
    if not db.is_sqlite:
        assert isinstance(answers[1], DBAPIError)
        assert "a group of 3 orders failed; placing them alone" in caplog.text
    [position] = (await broker.positions(USER)).items
    assert position.quantity == D("0.01")  # booked once, not once in the group and once alone
    assert await rows(db, PaperOrder) == await rows(db, PaperTrade) == (3 if db.is_sqlite else 2)
    totals, by_ledger, balances = await ledger_state(db)
    assert by_ledger == balances
    assert sum(totals.values()) == 0


FAIL_AT_COMMIT = (
    """CREATE FUNCTION trading.refuse_doomed_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.quantity = 0.013 THEN
        RAISE EXCEPTION 'refused at commit';
    END IF;
    RETURN NULL;
END $$""",
    """CREATE CONSTRAINT TRIGGER refuse_doomed_order AFTER INSERT ON trading.paper_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION trading.refuse_doomed_order()""",
)


async def test_a_group_whose_commit_fails_is_answered_outcome_unknown_and_never_placed_again(
    db, broker, prices, caplog
) -> None:
    # A deferred constraint trigger (this test's own, in its own schema) fails the COMMIT of any
    # transaction that wrote an order of 0.013: every statement of the group went through, the
    # commit did not. Such a commit might as well have gone through, so no order of the group
    # may be placed again: each is answered UNAVAILABLE, outcome unknown.
    if db.is_sqlite:
        pytest.skip("SQLite has no deferred triggers to fail a COMMIT with")
    async with db.engine.begin() as conn:
        for statement in FAIL_AT_COMMIT:
            await conn.exec_driver_sql(statement)
    doomed = OrderRequest("BTCUSD", "buy", D("0.013"), client_order_id="c-9")
    answers = await outcomes(  # without client order ids, the three queue for one group
        broker,
        [
            (USER, OrderRequest("BTCUSD", "buy", D("0.01"))),
            ("user-2", OrderRequest("BTCUSD", "buy", D("0.013"))),
            ("user-3", OrderRequest("BTCUSD", "sell", D("0.02"))),
        ],
    )
    assert all(isinstance(a, Unavailable) and "outcome is unknown" in str(a) for a in answers), answers
    assert "a group of 3 orders failed at commit" in caplog.text
    assert "placing them alone" not in caplog.text
    with pytest.raises(Unavailable, match="outcome is unknown"):
        await broker.place_order("user-4", doomed)
    assert await rows(db, PaperOrder) == await rows(db, PaperTrade) == 0  # rolled back, not replayed
    totals, by_ledger, balances = await ledger_state(db)
    assert by_ledger == balances
    assert sum(totals.values()) == 0

    # The database recovers; the client asks again with the same id: one order, money moved once.
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql("DROP TRIGGER refuse_doomed_order ON trading.paper_orders")
    again = await broker.place_order("user-4", doomed)
    assert again.status == "filled"
    assert await broker.place_order("user-4", doomed) == again
    assert await rows(db, PaperOrder) == await rows(db, PaperTrade) == 1
    [position] = (await broker.positions("user-4")).items
    assert position.quantity == D("0.013")
    totals, by_ledger, balances = await ledger_state(db)
    assert by_ledger == balances
    assert sum(totals.values()) == 0


async def test_a_limit_order_whose_commit_fails_is_answered_outcome_unknown(
    db, broker, prices, caplog
) -> None:
    # The same trigger fails the COMMIT of a marketable limit order, which is placed in its own
    # transaction, not in a group: the answer is the group's, outcome unknown, and nothing is kept.
    if db.is_sqlite:
        pytest.skip("SQLite has no deferred triggers to fail a COMMIT with")
    async with db.engine.begin() as conn:
        for statement in FAIL_AT_COMMIT:
            await conn.exec_driver_sql(statement)
    doomed = OrderRequest(
        "BTCUSD", "buy", D("0.013"), type="limit", limit_price=D("60000"), client_order_id="l-1"
    )
    with pytest.raises(Unavailable, match="outcome is unknown"):
        await broker.place_order(USER, doomed)
    assert "an order failed at commit" in caplog.text
    assert await rows(db, PaperOrder) == await rows(db, PaperTrade) == 0
    totals, by_ledger, balances = await ledger_state(db)
    assert by_ledger == balances
    assert sum(totals.values()) == 0
