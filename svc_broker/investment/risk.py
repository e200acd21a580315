"""A trading agent's risk checks on one signal for one account, and the order size they allow.

Sizing: the stop loss loses at most the product's risk per trade of the account's equity, so
quantity = equity x risk% / (|entry - stop| in account currency per unit), rounded down to the
symbol's step. Refusals carry a stable code and a sentence for the account owner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from quant.trading_hours import is_open
from svc_broker.broker import PositionView
from svc_broker.investment.products import Product
from svc_broker.market import SymbolSpec

CORRELATION_LIMIT = Decimal("0.7")
# Pairwise correlations of daily returns used to avoid stacking the same exposure twice.
_CORRELATION: dict[frozenset[str], Decimal] = {
    frozenset({"EURUSD", "GBPUSD"}): Decimal("0.85"),
    frozenset({"EURUSD", "USDCHF"}): Decimal("-0.9"),
    frozenset({"EURUSD", "XAUUSD"}): Decimal("0.4"),
    frozenset({"BTCUSD", "ETHUSD"}): Decimal("0.88"),
    frozenset({"US500", "NAS100"}): Decimal("0.92"),
    frozenset({"EURUSD", "USDJPY"}): Decimal("-0.3"),
}


@dataclass(frozen=True)
class Signal:
    signal_id: str
    symbol: str
    side: str  # buy, sell
    entry: Decimal
    stop_loss: Decimal
    take_profit: Decimal | None
    confidence: float
    experimental: bool = False  # from a model that has not passed the promotion gate


@dataclass(frozen=True)
class Verdict:
    taken: bool
    code: str  # "ok" or why it was refused
    reason: str
    quantity: Decimal | None = None


def correlation(a: str, b: str) -> Decimal:
    return Decimal(1) if a == b else _CORRELATION.get(frozenset({a, b}), Decimal(0))


def evaluate(
    product: Product,
    signal: Signal,
    spec: SymbolSpec | None,
    equity_minor: int,
    net_deposits_minor: int,
    positions: Sequence[PositionView],
    now: datetime,
) -> Verdict:
    if signal.experimental:
        return _no(
            "experimental_model",
            "the signal's model has not passed the promotion gate; agents trade gated models only",
        )
    if spec is None:
        return _no("unknown_symbol", f"{signal.symbol} is not tradable")
    if signal.confidence < product.min_confidence:
        return _no("low_confidence", f"confidence {signal.confidence:.2f} below {product.min_confidence:.2f}")
    if not is_open(spec.hours, now):
        return _no("market_closed", f"the {signal.symbol} market is closed")
    wrong_side = (
        signal.stop_loss >= signal.entry if signal.side == "buy" else signal.stop_loss <= signal.entry
    )
    if wrong_side:
        return _no("invalid_stop_loss", "the stop loss is not on the losing side of the entry")
    if net_deposits_minor > 0 and equity_minor < net_deposits_minor:
        drawdown = Decimal(net_deposits_minor - equity_minor) * 100 / net_deposits_minor
        if drawdown >= product.max_drawdown_percent:
            return _no(
                "drawdown_limit", f"drawdown {drawdown:.2f}% at the {product.max_drawdown_percent}% limit"
            )
    if len(positions) >= product.max_open_positions:
        return _no(
            "max_open_positions",
            f"{len(positions)} positions open, the limit is {product.max_open_positions}",
        )
    for p in positions:
        rho = correlation(p.symbol, signal.symbol)
        same_way = (p.side == "long") == (signal.side == "buy")
        if abs(rho) >= CORRELATION_LIMIT and (rho > 0) == same_way:
            return _no(
                "correlated", f"{signal.symbol} repeats the open {p.symbol} {p.side} (correlation {rho})"
            )
    quantity = size(product, signal, spec, equity_minor)
    if quantity < spec.min_units:
        return _no(
            "below_minimum_size", f"{product.risk_per_trade_percent}% risk buys less than {spec.min_units}"
        )
    risk = product.risk_per_trade_percent
    return Verdict(
        True, "ok", f"{quantity} {signal.symbol}: the stop loses at most {risk}% of equity", quantity
    )


def size(product: Product, signal: Signal, spec: SymbolSpec, equity_minor: int) -> Decimal:
    risk_minor = Decimal(equity_minor) * product.risk_per_trade_percent / 100
    loss_per_unit = abs(signal.entry - signal.stop_loss) * 100  # minor units of the quote currency
    if spec.quote_currency != "USD":
        loss_per_unit = loss_per_unit / signal.stop_loss  # USD-based pairs: quote back to the account's USD
    raw = risk_minor / loss_per_unit
    steps = (raw / spec.unit_step).to_integral_value(ROUND_DOWN)
    return min(steps * spec.unit_step, spec.max_units)


def _no(code: str, reason: str) -> Verdict:
    return Verdict(False, code, reason)
