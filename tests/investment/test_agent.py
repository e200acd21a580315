"""Trading agents: risk checks, sizing, the decision log, the execution log and the owner's event."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from trading.events.v1 import events_payloads_pb2 as ev
from trading.events.v1.events_envelope_pb2 import Event

from svc_broker.broker import PositionView
from svc_broker.investment.models import OUTBOX, AgentDecision, Execution
from svc_broker.investment.products import product
from svc_broker.investment.risk import Signal, evaluate
from tests.broker.conftest import SYMBOLS
from tests.investment.conftest import OWNER, Kit

D = Decimal
MONDAY = datetime(2025, 1, 6, 12, tzinfo=UTC)
SATURDAY = datetime(2025, 1, 11, 12, tzinfo=UTC)
BTC = SYMBOLS[2]
EUR = SYMBOLS[0]


def btc_signal(
    signal_id: str = "sig-0001", *, confidence: float = 0.7, sl: float = 49010.0
) -> ev.MlSignalNew:
    return ev.MlSignalNew(
        signal_id=signal_id,
        symbol="BTCUSD",
        signal=ev.SIGNAL_DIRECTION_LONG,
        entry=50010.0,
        sl=sl,
        tp=52010.0,
        confidence=confidence,
    )


def position(symbol: str, side: str) -> PositionView:
    return PositionView(
        position_id="1",
        symbol=symbol,
        side=side,
        quantity=D(1000),
        entry_price=D(1),
        current_price=None,
        unrealized_pnl_minor=0,
        realized_pnl_minor=0,
        margin_minor=0,
        stop_loss=None,
        take_profit=None,
        status="open",
        opened_at=MONDAY,
        closed_at=None,
        currency="USD",
    )


def eur(side: str = "buy", confidence: float = 0.7) -> Signal:
    sl = D("1.0950") if side == "buy" else D("1.1050")
    return Signal("s1", "EURUSD", side, D("1.1001"), sl, None, confidence)


def test_size_makes_the_stop_lose_at_most_the_risk_per_trade() -> None:
    atlas = product("atlas")
    verdict = evaluate(atlas, eur(), EUR, 1_000_000, 1_000_000, [], MONDAY)
    assert verdict.taken
    assert verdict.quantity is not None
    loss_minor = verdict.quantity * (D("1.1001") - D("1.0950")) * 100
    assert loss_minor <= D(10_000)  # 1% of 10,000.00
    assert loss_minor > D(10_000) - (D("1.1001") - D("1.0950")) * 100 * EUR.unit_step  # the largest that fits


@pytest.mark.parametrize(
    ("signal", "equity", "positions", "now", "code"),
    [
        (eur(confidence=0.3), 1_000_000, [], MONDAY, "low_confidence"),
        (eur(), 1_000_000, [], SATURDAY, "market_closed"),
        (
            Signal("s1", "EURUSD", "buy", D("1.1"), D("1.2"), None, 0.9),
            1_000_000,
            [],
            MONDAY,
            "invalid_stop_loss",
        ),
        (eur(), 890_000, [], MONDAY, "drawdown_limit"),
        (
            eur(),
            1_000_000,
            [position(s, "long") for s in ("XAUUSD", "USDJPY", "BTCUSD")],
            MONDAY,
            "max_open_positions",
        ),
        (eur(), 1_000_000, [position("GBPUSD", "long")], MONDAY, "correlated"),
        (eur("sell"), 1_000_000, [position("USDCHF", "long")], MONDAY, "correlated"),
        (eur(), 2_000, [], MONDAY, "below_minimum_size"),
    ],
)
def test_risk_checks_refuse_with_a_reason(
    signal: Signal, equity: int, positions: list[PositionView], now: datetime, code: str
) -> None:
    deposits = 1_000_000 if code == "drawdown_limit" else equity  # only that case has lost money
    verdict = evaluate(product("atlas"), signal, EUR, equity, deposits, positions, now)
    assert (verdict.taken, verdict.code) == (False, code)
    assert verdict.reason


def test_an_opposite_position_in_a_correlated_symbol_is_no_concentration() -> None:
    verdict = evaluate(
        product("atlas"), eur("buy"), EUR, 1_000_000, 1_000_000, [position("GBPUSD", "short")], MONDAY
    )
    assert verdict.taken


async def test_a_signal_becomes_one_logged_fill_and_a_trade_executed_event(kit: Kit) -> None:
    await kit.verified(OWNER, funds=50_000)
    account = await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    agent = kit.agent()
    [outcome] = await agent.on_signal(btc_signal())
    assert (outcome.decision, outcome.code) == ("taken", "ok")
    assert outcome.order is not None
    assert outcome.order.status == "filled"
    assert outcome.order.quantity == D("0.002")  # 1% of 200.00 over a 1,000.00 stop distance
    [again] = await agent.on_signal(btc_signal())  # a re-delivered signal places nothing more
    assert again.code == "duplicate"
    orders = (await kit.venue.list_orders(account.row.venue_account or "")).items
    assert len(orders) == 1

    async with kit.db.session() as s:
        [execution] = (await s.scalars(select(Execution))).all()
        [decision] = (await s.scalars(select(AgentDecision))).all()
        [staged] = (await s.execute(select(OUTBOX.c.channel, OUTBOX.c.payload))).all()
    assert (execution.signal_id, execution.ticket, execution.broker_account) == (
        "sig-0001",
        outcome.order.order_id,
        account.row.venue_account,
    )
    assert (execution.requested_price, execution.filled_price, execution.spread) == (
        D("50010.0"),
        D("50010"),
        D(10),
    )
    assert (decision.decision, decision.signal_id) == ("taken", "sig-0001")
    assert staged.channel == f"user:{OWNER}:trades"
    event = Event.FromString(staged.payload)
    assert (event.type, event.trade_executed.signal_id, event.trade_executed.account_id) == (
        "trade_executed",
        "sig-0001",
        account.row.id,
    )


async def test_refusals_are_logged_for_the_owner_and_place_nothing(kit: Kit) -> None:
    await kit.verified(OWNER, funds=50_000)
    account = await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    [low] = await kit.agent().on_signal(btc_signal("sig-0002", confidence=0.2))
    assert (low.decision, low.code) == ("refused", "low_confidence")
    assert (
        await kit.agent().on_signal(
            ev.MlSignalNew(signal_id="x", symbol="AUDNZD", signal=ev.SIGNAL_DIRECTION_LONG)
        )
        == []
    )
    assert (await kit.venue.list_orders(account.row.venue_account or "")).items == []
    async with kit.db.session() as s:
        [decision] = (await s.scalars(select(AgentDecision))).all()
    assert decision.reason.startswith("low_confidence")


async def test_a_signal_of_an_ungated_model_is_refused_and_logged(
    kit: Kit, caplog: pytest.LogCaptureFixture
) -> None:
    await kit.verified(OWNER, funds=50_000)
    account = await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    experimental = btc_signal("sig-0003")
    experimental.experimental = True
    with caplog.at_level(logging.INFO, logger="svc_broker.investment.agent"):
        [refused] = await kit.agent().on_signal(experimental)
    assert (refused.decision, refused.code) == ("refused", "experimental_model")
    assert any("promotion gate" in r.getMessage() for r in caplog.records)
    assert (await kit.venue.list_orders(account.row.venue_account or "")).items == []
    [decision] = await kit.accounts.decisions(OWNER, account.row.id, 10, 0)
    assert decision.reason.startswith("experimental_model: ")
    [gated] = await kit.agent().on_signal(btc_signal("sig-0004"))  # the same signal, gated, trades
    assert gated.decision == "taken"


async def test_a_withdrawal_beyond_free_margin_closes_positions_first(kit: Kit) -> None:
    await kit.verified(OWNER, funds=50_000)
    account = await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    await kit.agent().on_signal(btc_signal())
    [state] = await kit.accounts.owned(OWNER)
    assert state.margin_minor > 0
    await kit.accounts.withdraw(OWNER, account.row.id, state.equity_minor - 100, "USD", "withdraw-all-01")
    venue = account.row.venue_account or ""
    assert (await kit.venue.positions(venue, status="open")).items == []
    [after] = await kit.accounts.owned(OWNER)
    assert after.equity_minor == 100
    assert after.margin_minor == 0


async def test_one_signal_trades_every_active_account_of_the_product(kit: Kit) -> None:
    owners = [f"investor-{i}" for i in range(3)]
    for i, owner in enumerate(owners):
        await kit.verified(owner, funds=50_000)
        await kit.accounts.open(owner, "atlas", 20_000, "USD", f"open-key-{i:04}")
    outcomes = await kit.agent().on_signal(btc_signal())
    assert sorted(o.decision for o in outcomes) == ["taken"] * 3
    async with kit.db.session() as s:
        assert len((await s.scalars(select(Execution))).all()) == 3
