"""Paper cash as double-entry: every movement of an account's cash is a journal of two entries
that sum to zero, the account's cash on one side and a house book on the other. Entries are only
ever inserted; `PaperAccount.balance_minor` is the running sum of the account's cash entries,
kept beside them in the same transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from svc_broker.models import LedgerEntry, PaperAccount, PaperTrade

CASH = "cash"
HOUSE_FUNDING = "house:funding"  # pays opening balances and takes back what a reset removes
HOUSE_PNL = "house:pnl"  # the other side of every realized profit and loss
HOUSE_WRITE_OFF = "house:write_off"  # absorbs a loss beyond an account's balance
HOUSE_FEES = "house:fees"
HOUSE_SWAPS = "house:swaps"


@dataclass(frozen=True)
class Movement:
    """`amount_minor` into the account's cash (negative: out of it) from `house`."""

    amount_minor: int
    house: str
    kind: str
    trade: PaperTrade | None = None


@dataclass
class CashLedger:
    """Collects an account's movements in one transaction and writes their entries."""

    clock: Clock
    staged: list[tuple[PaperAccount, Movement]] = field(default_factory=list)

    def move(self, account: PaperAccount, movement: Movement) -> None:
        """Apply a movement to the balance now; its entries are written by `write`."""
        if movement.amount_minor == 0:
            return
        account.balance_minor += movement.amount_minor
        self.staged.append((account, movement))

    def protect(self, account: PaperAccount, trade: PaperTrade) -> int:
        """Negative-balance protection: a loss beyond the balance is written off to the house.
        Returns the amount written off (0 when the balance is not negative)."""
        if account.balance_minor >= 0:
            return 0
        written_off = -account.balance_minor
        self.move(account, Movement(written_off, HOUSE_WRITE_OFF, "write_off", trade))
        trade.written_off_minor = (trade.written_off_minor or 0) + written_off
        return written_off

    async def write(self, session: AsyncSession) -> None:
        """Insert the staged movements' entries with one statement (after the trades they refer
        to have ids)."""
        now = self.clock.now()
        rows = []
        for account, m in self.staged:
            journal = uuid.uuid4().hex
            trade_id = m.trade.id if m.trade is not None else None
            common = {"journal": journal, "currency": account.currency, "kind": m.kind, "trade_id": trade_id}
            rows.append({**common, "book": CASH, "account_id": account.id, "amount_minor": m.amount_minor,
                         "created_at": now})  # fmt: skip
            rows.append({**common, "book": m.house, "account_id": None, "amount_minor": -m.amount_minor,
                         "created_at": now})  # fmt: skip
        self.staged.clear()
        if rows:
            await session.execute(insert(LedgerEntry.__table__), rows)  # Core executemany: no ORM bulk path


async def cash_of(session: AsyncSession, account_id: int) -> int:
    """The sum of an account's cash entries: its balance by the ledger."""
    query = select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
        LedgerEntry.book == CASH, LedgerEntry.account_id == account_id
    )
    return int((await session.execute(query)).scalar_one())


async def books(session: AsyncSession) -> dict[str, int]:
    """Every book's total (cash summed over all accounts); the totals sum to zero."""
    query = select(LedgerEntry.book, func.sum(LedgerEntry.amount_minor)).group_by(LedgerEntry.book)
    return {book: int(total) for book, total in (await session.execute(query)).all()}
