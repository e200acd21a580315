"""Netting: how a fill changes an account's position in a symbol and the PnL it realizes (the
cash moves through the ledger)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from svc_broker import pricing
from svc_broker.market import SymbolSpec
from svc_broker.models import PaperAccount, PaperOrder, PaperPosition, PaperTrade


@dataclass(frozen=True)
class MoneyRules:
    """The account currency, and per symbol the quote-to-account rate and the leverage now."""

    currency: str
    rate: Callable[[SymbolSpec], Decimal]
    leverage: Callable[[SymbolSpec], int]

    def to_account_minor(self, amount_quote: Decimal, spec: SymbolSpec) -> int:
        return pricing.to_minor(amount_quote * self.rate(spec), self.currency)

    def to_account(self, amount_quote: Decimal, spec: SymbolSpec) -> Decimal:
        """An amount in the account currency, unrounded."""
        return amount_quote * self.rate(spec)

    def minor(self, amount: Decimal) -> int:
        return pricing.to_minor(amount, self.currency)

    def margin_minor(self, quantity: Decimal, price: Decimal, spec: SymbolSpec) -> int:
        return pricing.margin_minor(quantity * price, self.rate(spec), self.leverage(spec), self.currency)


@dataclass
class Fill:
    """What one execution did: the trades written and the positions opened, changed or closed."""

    trades: list[PaperTrade] = field(default_factory=list)
    touched: list[PaperPosition] = field(default_factory=list)
    closed: list[PaperPosition] = field(default_factory=list)
    closed_trades: dict[int, PaperTrade] = field(default_factory=dict)  # id(position) -> closing trade
    realized_minor: int = 0
    written_off_minor: int = 0  # the loss beyond the balance the house took (negative-balance protection)


@dataclass(frozen=True)
class Execution:
    """One execution to book: `side` of `quantity` units of `spec` at `price`."""

    spec: SymbolSpec
    side: str
    quantity: Decimal
    price: Decimal
    reason: str
    at: datetime
    order: PaperOrder | None = None
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None


def book(account: PaperAccount, position: PaperPosition | None, ex: Execution, rules: MoneyRules) -> Fill:
    """Apply an execution to the account's open position in the symbol (None: flat).

    Same direction adds to the position at a new average; the opposite direction reduces it,
    realizing PnL on each trade, and a remainder beyond its size opens the other way.
    """
    fill = Fill()
    direction = "long" if ex.side == "buy" else "short"
    remaining = ex.quantity
    if position is not None and position.side != direction:
        closing = min(position.quantity, remaining)
        _reduce(account, position, ex, closing, rules, fill)
        remaining -= closing
    if remaining > 0:
        if position is None or position.status == "closed":
            position = _open(account, ex, direction, remaining, rules)
        else:
            _add(position, ex, remaining, rules)
        fill.touched.append(position)
        fill.trades.append(_trade(account, position, ex, remaining, 0))
    return fill


def _open(
    account: PaperAccount, ex: Execution, side: str, quantity: Decimal, rules: MoneyRules
) -> PaperPosition:
    return PaperPosition(
        account_id=account.id,
        symbol=ex.spec.symbol,
        side=side,
        quantity=quantity,
        cost=ex.price * quantity,
        entry_price=ex.price,
        realized_pnl_minor=0,
        realized_pnl_exact=Decimal(0),
        margin_minor=rules.margin_minor(quantity, ex.price, ex.spec),
        stop_loss=ex.stop_loss,
        take_profit=ex.take_profit,
        status="open",
        opened_at=ex.at,
    )


def _add(position: PaperPosition, ex: Execution, quantity: Decimal, rules: MoneyRules) -> None:
    position.quantity += quantity
    position.cost += ex.price * quantity
    position.entry_price = pricing.average(position.cost, position.quantity)
    position.margin_minor = rules.margin_minor(position.quantity, position.entry_price, ex.spec)
    if ex.stop_loss is not None:
        position.stop_loss = ex.stop_loss
    if ex.take_profit is not None:
        position.take_profit = ex.take_profit


def _reduce(
    account: PaperAccount,
    position: PaperPosition,
    ex: Execution,
    quantity: Decimal,
    rules: MoneyRules,
    fill: Fill,
) -> None:
    if quantity == position.quantity:
        removed_cost = position.cost
    else:
        removed_cost = position.cost * quantity / position.quantity
    proceeds = ex.price * quantity
    pnl_quote = proceeds - removed_cost if position.side == "long" else removed_cost - proceeds
    # The position keeps its realized PnL unrounded; each fill books the change of the rounded
    # total, so however a close is split, the cents booked add up to the rounded total.
    before = position.realized_pnl_exact or Decimal(0)
    after = before + rules.to_account(pnl_quote, ex.spec)
    pnl = rules.minor(after) - rules.minor(before)
    position.realized_pnl_exact = after
    position.quantity -= quantity
    position.cost -= removed_cost
    position.realized_pnl_minor += pnl
    fill.realized_minor += pnl
    trade = _trade(account, position, ex, quantity, pnl)
    fill.trades.append(trade)
    fill.touched.append(position)
    if position.quantity == 0:
        position.status = "closed"
        position.closed_at = ex.at
        position.cost = Decimal(0)
        position.margin_minor = 0
        fill.closed.append(position)
        fill.closed_trades[id(position)] = trade
    else:
        position.margin_minor = rules.margin_minor(position.quantity, position.entry_price, ex.spec)


def _trade(
    account: PaperAccount, position: PaperPosition, ex: Execution, quantity: Decimal, pnl: int
) -> PaperTrade:
    return PaperTrade(
        account_id=account.id,
        symbol=ex.spec.symbol,
        side=ex.side,
        quantity=quantity,
        price=ex.price,
        realized_pnl_minor=pnl,
        reason=ex.reason,
        executed_at=ex.at,
        order=ex.order,
        position=position,
    )
