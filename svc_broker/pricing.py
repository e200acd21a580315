"""The arithmetic of fills, margin and profit: exact decimals in, integer minor units out."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from core.errors import Unavailable
from quant.trading_hours import session_at
from svc_broker.market import PriceSource, Quote, SymbolSpec

_MINOR_DIGITS = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3}
PRICE_PLACES = Decimal("1E-10")  # average prices are kept to 10 decimal places


def minor_exponent(currency: str) -> int:
    return _MINOR_DIGITS.get(currency, 2)


def to_minor(amount: Decimal, currency: str, rounding: str = ROUND_HALF_EVEN) -> int:
    """An amount of `currency` in integer minor units (cents), half-to-even unless told."""
    scaled = amount.scaleb(minor_exponent(currency))
    return int(scaled.to_integral_value(rounding=rounding))


def from_minor(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-minor_exponent(currency))


def fill_price(side: str, quote: Quote, slippage: Decimal) -> Decimal:
    """A buy pays the ask, a sell gets the bid, each moved against the trader by the slippage."""
    return quote.ask + slippage if side == "buy" else quote.bid - slippage


def mark_price(position_side: str, quote: Quote) -> Decimal:
    """A long is worth what it sells for (bid); a short costs what it buys back for (ask)."""
    return quote.bid if position_side == "long" else quote.ask


def conversion_rate(currency: str, account_currency: str, prices: PriceSource) -> Decimal:
    """How many account-currency units one unit of `currency` is worth now (mid price)."""
    if currency == account_currency:
        return Decimal(1)
    direct = prices.latest(currency + account_currency)
    if direct is not None:
        return direct.mid
    inverse = prices.latest(account_currency + currency)
    if inverse is not None:
        return 1 / inverse.mid
    raise Unavailable(f"no price to convert {currency} to {account_currency}", reason="NO_CONVERSION_RATE")


def margin_minor(notional_quote: Decimal, rate: Decimal, leverage: int, currency: str) -> int:
    """Margin for a notional in the quote currency: converted, divided by leverage, rounded up."""
    return to_minor(notional_quote * rate / leverage, currency, ROUND_CEILING)


def units_for(amount: Decimal, unit: str, spec: SymbolSpec) -> Decimal:
    """An order amount in units of the base asset (lots times the contract size)."""
    return amount * spec.contract_size if unit == "lots" else amount


def amount_within_limits(units: Decimal, spec: SymbolSpec) -> bool:
    if units < spec.min_units or units > spec.max_units:
        return False
    return (units / spec.unit_step) == (units / spec.unit_step).to_integral_value(rounding=ROUND_DOWN)


def average(cost: Decimal, quantity: Decimal) -> Decimal:
    return (cost / quantity).quantize(PRICE_PLACES) if quantity else Decimal(0)


def widened(quote: Quote, spec: SymbolSpec, share: Decimal) -> Quote:
    """The quote with its spread widened, symmetrically around the mid, to at least `share` of the
    market's modelled spread for the session of the quote. A wider quoted spread is kept as it is."""
    floor = spec.spreads.get(session_at(quote.time), Decimal(0)) * share
    spread = quote.ask - quote.bid
    if spread >= floor:
        return quote
    half = (floor - spread) / 2
    return Quote(quote.symbol, quote.bid - half, quote.ask + half, quote.time)
