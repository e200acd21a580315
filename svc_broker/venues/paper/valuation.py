"""Marking to market: positions at the bid or ask, account equity, margin and free margin,
and the plain views the Broker interface returns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_EVEN, Decimal

from svc_broker import pricing
from svc_broker.broker import AccountView, ExecutionReport, OrderView, PositionView
from svc_broker.market import Quote, SymbolSpec
from svc_broker.models import PaperAccount, PaperOrder, PaperPosition, PaperTrade
from svc_broker.venues.paper.netting import MoneyRules

QuoteOf = Callable[[str], Quote | None]
SpecOf = Callable[[str], SymbolSpec]


def unrealized_minor(
    position: PaperPosition, quote: Quote | None, spec: SymbolSpec, rules: MoneyRules
) -> int:
    """Open PnL at the price the position would close at now; 0 without a quote or when closed."""
    if quote is None or position.status != "open":
        return 0
    return open_pnl_minor(position.side, position.quantity, position.cost, quote, spec, rules)


def open_pnl_minor(
    side: str, quantity: Decimal, cost: Decimal, quote: Quote, spec: SymbolSpec, rules: MoneyRules
) -> int:
    """The PnL of an open position of `side`, `quantity` and `cost`, marked at `quote`."""
    value = pricing.mark_price(side, quote) * quantity
    pnl_quote = value - cost if side == "long" else cost - value
    return rules.to_account_minor(pnl_quote, spec)


def account_view(
    account: PaperAccount,
    positions: Iterable[PaperPosition],
    quote_of: QuoteOf,
    spec_of: SpecOf,
    rules: MoneyRules,
    margin_call_level: Decimal,
) -> AccountView:
    open_positions = [p for p in positions if p.status == "open"]
    unrealized = sum(
        unrealized_minor(p, quote_of(p.symbol), spec_of(p.symbol), rules) for p in open_positions
    )
    margin = sum(p.margin_minor for p in open_positions)
    equity = account.balance_minor + unrealized
    level = margin_level(equity, margin)
    return AccountView(
        account_id=str(account.id),
        currency=account.currency,
        balance_minor=account.balance_minor,
        equity_minor=equity,
        margin_minor=margin,
        free_margin_minor=equity - margin,
        margin_level_percent=level,
        margin_call=level is not None and level <= margin_call_level,
        initial_balance_minor=account.initial_balance_minor,
        created_at=account.created_at,
        reset_at=account.reset_at,
    )


def margin_level(equity_minor: int, margin_minor: int) -> Decimal | None:
    """Equity over margin in percent, to two places; None without margin in use."""
    if margin_minor <= 0:
        return None
    return (Decimal(equity_minor) * 100 / margin_minor).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


def position_view(
    position: PaperPosition, quote: Quote | None, spec: SymbolSpec, rules: MoneyRules
) -> PositionView:
    is_open = position.status == "open"
    return PositionView(
        position_id=str(position.id),
        symbol=position.symbol,
        side=position.side,
        quantity=position.quantity,
        entry_price=position.entry_price,
        current_price=pricing.mark_price(position.side, quote) if quote is not None and is_open else None,
        unrealized_pnl_minor=unrealized_minor(position, quote, spec, rules),
        realized_pnl_minor=position.realized_pnl_minor,
        margin_minor=position.margin_minor,
        stop_loss=position.stop_loss,
        take_profit=position.take_profit,
        status=position.status,
        opened_at=position.opened_at,
        closed_at=position.closed_at,
        currency=rules.currency,
    )


def order_view(order: PaperOrder, spec: SymbolSpec | None) -> OrderView:
    lots = order.quantity / spec.contract_size if spec is not None else order.quantity
    return OrderView(
        order_id=str(order.id),
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=order.side,
        type=order.type,
        time_in_force=order.time_in_force,
        quantity=order.quantity,
        lots=lots,
        limit_price=order.limit_price,
        stop_price=order.stop_price,
        stop_loss=order.stop_loss,
        take_profit=order.take_profit,
        status=order.status,
        fill_price=order.fill_price,
        reject_reason=order.reject_reason,
        created_at=order.created_at,
        updated_at=order.updated_at,
        filled_at=order.filled_at,
        expires_at=order.expires_at,
    )


def execution_report(trade: PaperTrade, currency: str) -> ExecutionReport:
    return ExecutionReport(
        trade_id=str(trade.id),
        order_id=str(trade.order_id) if trade.order_id is not None else None,
        position_id=str(trade.position_id),
        symbol=trade.symbol,
        side=trade.side,
        quantity=trade.quantity,
        price=trade.price,
        realized_pnl_minor=trade.realized_pnl_minor,
        reason=trade.reason,
        executed_at=trade.executed_at,
        currency=currency,
        written_off_minor=trade.written_off_minor or 0,
    )
