"""A model of cash, net position and PnL, checked against the database after every step."""

from __future__ import annotations

import asyncio
import uuid
from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import select

from core.clock import TestClock
from core.db import Database
from core.errors import FailedPrecondition
from svc_broker.broker import OrderRequest
from svc_broker.config import BrokerSettings
from svc_broker.market import Quote, QuoteBook, StaticSymbolCatalog
from svc_broker.models import Base, LedgerEntry
from svc_broker.venues.paper import PaperBroker
from svc_broker.venues.paper.ledger import cash_of
from tests.broker.conftest import SYMBOLS, USER

SPREAD = Decimal("0.0001")
CENT = Decimal("0.01")


def cents(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value(ROUND_HALF_EVEN))


class PaperAccountModel(RuleBasedStateMachine):
    """EURUSD only. The model keeps signed units and the exact cost of the open units."""

    directory = ""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = TestClock()
        self.book = QuoteBook()
        self.db = Database(f"sqlite+aiosqlite:///{self.directory}/{uuid.uuid4().hex}/main.sqlite")
        self.run(self.db.create_all([Base.metadata]))
        self.broker = PaperBroker(
            self.db,
            self.book,
            StaticSymbolCatalog(SYMBOLS),
            self.clock,
            BrokerSettings(),
        )
        self.bid = Decimal("1.10000")
        self.quote()
        self.units = Decimal(0)  # positive long, negative short
        self.cost = Decimal(0)  # price times units of the open size
        self.realized = Decimal(0)  # the open position's realized PnL, unrounded
        self.balance = 1_000_000

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def quote(self) -> None:
        self.book.update(Quote("EURUSD", self.bid, self.bid + SPREAD, self.clock.now()))

    def teardown(self) -> None:
        self.run(self.db.dispose())
        self.loop.close()

    @rule(move=st.integers(min_value=-50, max_value=50))
    def price_moves(self, move: int) -> None:
        self.bid += Decimal(move) * Decimal("0.0001")
        self.quote()

    @rule(side=st.sampled_from(["buy", "sell"]), thousands=st.integers(min_value=1, max_value=60))
    def market_order(self, side: str, thousands: int) -> None:
        amount = Decimal(thousands * 1000)
        try:
            self.run(self.broker.place_order(USER, OrderRequest("EURUSD", side, amount)))
        except FailedPrecondition as refused:
            if refused.reason != "INSUFFICIENT_MARGIN":
                raise
            return
        self.apply(amount if side == "buy" else -amount, self.bid + SPREAD if side == "buy" else self.bid)

    @rule()
    def close_everything(self) -> None:
        page = self.run(self.broker.positions(USER))
        for position in page.items:
            self.run(self.broker.close_position(USER, position.position_id))
            self.apply(-self.units, self.bid if self.units > 0 else self.bid + SPREAD)

    def apply(self, signed: Decimal, price: Decimal) -> None:
        if self.units == 0 or (self.units > 0) == (signed > 0):
            self.units += signed
            self.cost += abs(signed) * price
            return
        closing = min(abs(signed), abs(self.units))
        share = self.cost if closing == abs(self.units) else self.cost * closing / abs(self.units)
        pnl = closing * price - share if self.units > 0 else share - closing * price
        # the position keeps its realized PnL unrounded; each fill books the change in cents
        self.balance += cents(self.realized + pnl) - cents(self.realized)
        self.realized += pnl
        self.cost -= share
        self.units += closing if self.units < 0 else -closing
        if self.units == 0:
            self.realized = Decimal(0)
        rest = abs(signed) - closing
        if rest:
            self.units = rest if signed > 0 else -rest
            self.cost = rest * price

    @invariant()
    def the_ledger_balances(self) -> None:
        """Every journal sums to zero, and the account's cash entries sum to its balance."""
        self.run(self._check_ledger())

    async def _check_ledger(self) -> None:
        async with self.db.session() as s:
            rows = (await s.execute(select(LedgerEntry.journal, LedgerEntry.amount_minor))).all()
            cash = await cash_of(s, 1) if rows else 0
        journals: dict[str, int] = {}
        for journal, amount in rows:
            journals[journal] = journals.get(journal, 0) + amount
        assert all(total == 0 for total in journals.values())
        assert sum(amount for _, amount in rows) == 0
        assert cash == (self.balance if rows else 0)

    @invariant()
    def database_matches_the_model(self) -> None:
        account = self.run(self.broker.account_state(USER))
        assert account.balance_minor == self.balance
        positions = self.run(self.broker.positions(USER)).items
        if self.units == 0:
            assert positions == []
            assert account.equity_minor == self.balance
            return
        [position] = positions
        assert position.quantity == abs(self.units)
        assert position.side == ("long" if self.units > 0 else "short")
        mark = self.bid if self.units > 0 else self.bid + SPREAD
        open_pnl = (
            abs(self.units) * mark - self.cost if self.units > 0 else self.cost - abs(self.units) * mark
        )
        assert position.unrealized_pnl_minor == cents(open_pnl)
        assert account.equity_minor == self.balance + cents(open_pnl)


def test_paper_account_matches_its_model(tmp_path) -> None:
    PaperAccountModel.directory = str(tmp_path)
    machine = PaperAccountModel.TestCase
    machine.settings = hsettings(max_examples=8, stateful_step_count=12, deadline=None)
    machine().runTest()
