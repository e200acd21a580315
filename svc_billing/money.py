"""Amounts: integer minor units of a currency, checked before anything is written."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import InvalidArgument


@dataclass(frozen=True)
class Amount:
    minor: int
    currency: str


def check_amount(field: str, minor: int, currency: str, *, wallet_currency: str, limit: int) -> Amount:
    """A positive amount in the wallet's currency, at most `limit` minor units."""
    if currency != wallet_currency:
        raise InvalidArgument(
            f"{field} must be in {wallet_currency}",
            violations=[(f"{field}.currency", f"must be {wallet_currency}")],
            reason="WRONG_CURRENCY",
        )
    if minor <= 0:
        raise InvalidArgument(
            f"{field} must be more than zero", violations=[(f"{field}.minor_units", "must be more than zero")]
        )
    if minor > limit:
        raise InvalidArgument(
            f"{field} is above the limit of {limit} minor units",
            violations=[(f"{field}.minor_units", f"must be at most {limit}")],
            reason="AMOUNT_ABOVE_LIMIT",
        )
    return Amount(minor, currency)
