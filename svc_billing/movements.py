"""Wallet movements counted in `wallet_movements_total` and `wallet_moved_minor_units_total`
once their transaction has committed (labels: kind, direction, currency; never a user)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from core import metrics

_PENDING = "wallet_movements"
_HOOKED = "wallet_movements_hooked"


def record(kind: str, signed_minor: int, currency: str) -> None:
    """A movement already committed."""
    metrics.wallet_moved(kind, signed_minor, currency)


def record_on_commit(s: AsyncSession, kind: str, signed_minor: int, currency: str) -> None:
    """A movement written in `s`'s transaction: counted when it commits, dropped on rollback."""
    if not s.info.get(_HOOKED):  # once per session (listeners cannot be removed while they run)
        s.info[_HOOKED] = True
        event.listen(s.sync_session, "after_commit", _flush)
        event.listen(s.sync_session, "after_rollback", _drop)
    s.info.setdefault(_PENDING, []).append((kind, signed_minor, currency))


def _flush(session: Any) -> None:
    for kind, signed_minor, currency in session.info.pop(_PENDING, []):
        metrics.wallet_moved(kind, signed_minor, currency)


def _drop(session: Any) -> None:
    if session.in_transaction():  # a savepoint rolled back: the outer transaction may still commit
        return
    session.info.pop(_PENDING, None)
