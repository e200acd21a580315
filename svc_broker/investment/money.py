"""Amount checks, as billing does them: positive integer minor units of the account currency."""

from __future__ import annotations

import hashlib

from core.errors import InvalidArgument


def check_amount(field: str, minor: int, currency: str, *, account_currency: str, limit: int) -> int:
    if currency != account_currency:
        raise InvalidArgument(
            f"{field} must be in {account_currency}",
            violations=[(f"{field}.currency", f"must be {account_currency}")],
        )
    if minor <= 0:
        raise InvalidArgument(
            f"{field} must be more than zero", violations=[(f"{field}.minor_units", "must be > 0")]
        )
    if minor > limit:
        raise InvalidArgument(
            f"{field} is above the limit of {limit} minor units",
            violations=[(f"{field}.minor_units", f"must be at most {limit}")],
        )
    return minor


def wallet_key(prefix: str, *parts: str) -> str:
    """A billing idempotency key derived from what the transfer is (same step, same key)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"{prefix}-{digest}"
