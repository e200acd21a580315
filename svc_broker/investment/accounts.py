"""Investment accounts: the opening saga, deposits and withdrawals.

Opening is a recorded sequence of steps (`created` -> `funded` -> `agent` -> `done`): each step is
committed before the next starts, and every wallet transfer carries a key derived from the account
and the step, so re-running a step after a crash moves money at most once. A step that can never
succeed after the money moved is compensated by a refund to the wallet: the money is always in the
wallet or in the account, never in neither and never in both.

An account's cash is `deposited - withdrawn` plus the realized PnL of its venue account; its equity
adds the open positions' PnL (both read from the venue through the Broker protocol).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.clock import Clock
from core.db import Database
from core.errors import DomainError, FailedPrecondition, NotFound, Unavailable
from svc_broker.broker import AccountView, Broker
from svc_broker.investment.kyc import Kyc
from svc_broker.investment.models import AgentDecision, InvestmentAccountRow, TransferRow
from svc_broker.investment.money import check_amount, wallet_key
from svc_broker.investment.products import Product, product
from svc_broker.investment.wallet import DEPOSIT, WITHDRAWAL, WalletFunds

log = logging.getLogger("svc_broker.investment")

PENDING_DEPOSIT, ACTIVE, PAUSED, CLOSED, FAILED = "pending_deposit", "active", "paused", "closed", "failed"
PENDING, COMPLETED = "pending", "completed"


@dataclass(frozen=True)
class AccountState:
    row: InvestmentAccountRow
    balance_minor: int
    equity_minor: int
    margin_minor: int

    @property
    def free_minor(self) -> int:
        return max(0, self.equity_minor - self.margin_minor)


@dataclass(frozen=True)
class TransferView:
    transfer_id: str
    account_id: str
    kind: str
    amount_minor: int
    currency: str
    status: str
    created_at: datetime


def venue_key(account_id: str) -> str:
    return f"inv-{account_id}"


class Accounts:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        kyc: Kyc,
        wallet: WalletFunds,
        venue: Broker,
        *,
        venue_name: str = "paper",
        currency: str = "USD",
        max_transfer_minor: int = 100_000_000,
        provision: Callable[[str], Awaitable[str]] | None = None,
    ) -> None:
        self.db, self.clock, self.kyc, self.wallet, self.venue = db, clock, kyc, wallet, venue
        self.venue_name, self.currency, self.limit = venue_name, currency, max_transfer_minor
        # the venue's account for an investment account: provisioned (MetaAPI: one account each,
        # idempotent per investment account), else the venue's own `inv-{id}` account
        self.provision = provision
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    # ---- reads

    async def row(self, user_id: str | None, account_id: str) -> InvestmentAccountRow:
        """The account, NOT_FOUND when it does not exist or (with a user) is someone else's."""
        async with self.db.session() as s:
            found = await s.get(InvestmentAccountRow, account_id)
        if found is None or (user_id is not None and found.user_id != user_id):
            raise NotFound(f"no investment account {account_id}", reason="ACCOUNT_NOT_FOUND")
        return found

    async def state(self, row: InvestmentAccountRow) -> AccountState:
        net = row.deposited_minor - row.withdrawn_minor
        if row.venue_account is None:
            return AccountState(row, net, net, 0)
        venue = await self.venue.account_state(row.venue_account)
        realized = venue.balance_minor - venue.initial_balance_minor
        return AccountState(row, net + realized, net + realized + _open_pnl(venue), venue.margin_minor)

    async def owned(self, user_id: str) -> list[AccountState]:
        async with self.db.session() as s:
            rows = list(
                await s.scalars(
                    select(InvestmentAccountRow)
                    .where(InvestmentAccountRow.user_id == user_id, InvestmentAccountRow.status != FAILED)
                    .order_by(InvestmentAccountRow.created_at, InvestmentAccountRow.id)
                )
            )
        return [await self.state(r) for r in rows]

    async def decisions(self, user_id: str, account_id: str, limit: int, offset: int) -> list[AgentDecision]:
        """The agent's decisions for one of the user's accounts, newest first."""
        await self.row(user_id, account_id)
        async with self.db.session() as s:
            return list(
                await s.scalars(
                    select(AgentDecision)
                    .where(AgentDecision.account_id == account_id)
                    .order_by(AgentDecision.id.desc())
                    .offset(offset)
                    .limit(limit)
                )
            )

    async def trading(self, product_id: str) -> list[InvestmentAccountRow]:
        """The product's accounts its agent trades now."""
        async with self.db.session() as s:
            return list(
                await s.scalars(
                    select(InvestmentAccountRow).where(
                        InvestmentAccountRow.product_id == product_id, InvestmentAccountRow.status == ACTIVE
                    )
                )
            )

    # ---- opening

    async def open(self, user_id: str, product_id: str, minor: int, currency: str, key: str) -> AccountState:
        offer = product(product_id)
        amount = check_amount("amount", minor, currency, account_currency=self.currency, limit=self.limit)
        if amount < offer.min_deposit_minor:
            raise FailedPrecondition(
                f"{offer.name} takes at least {offer.min_deposit_minor} minor units",
                reason="BELOW_MINIMUM_DEPOSIT",
            )
        await self.kyc.require_verified(user_id)
        account_id = await self._create(user_id, offer, amount, key)
        return await self.state(await self.advance(account_id))

    async def _create(self, user_id: str, offer: Product, amount: int, key: str) -> str:
        now, account_id = self.clock.now(), str(uuid.uuid4())
        try:
            async with self.db.transaction() as s:
                s.add(
                    InvestmentAccountRow(
                        id=account_id,
                        user_id=user_id,
                        product_id=offer.product_id,
                        idempotency_key=key,
                        status=PENDING_DEPOSIT,
                        step="created",
                        currency=self.currency,
                        initial_minor=amount,
                        deposited_minor=0,
                        withdrawn_minor=0,
                        venue=self.venue_name,
                        created_at=now,
                        updated_at=now,
                    )
                )
                s.add(self._transfer(account_id, user_id, "opening", amount, key, "open", now))
        except IntegrityError:
            async with self.db.session() as s:
                first = await s.scalar(
                    select(InvestmentAccountRow).where(
                        InvestmentAccountRow.user_id == user_id, InvestmentAccountRow.idempotency_key == key
                    )
                )
            if first is None:
                raise
            if (first.product_id, first.initial_minor) != (offer.product_id, amount):
                raise FailedPrecondition(
                    "idempotency key reused for another account", reason="IDEMPOTENCY_KEY_REUSED"
                ) from None
            return first.id
        return account_id

    def _transfer(
        self, account_id: str, user_id: str, kind: str, amount: int, key: str, step: str, now: datetime
    ) -> TransferRow:
        return TransferRow(
            id=str(uuid.uuid4()),
            account_id=account_id,
            user_id=user_id,
            kind=kind,
            amount_minor=amount,
            idempotency_key=key,
            wallet_key=wallet_key("inv", account_id, step, kind, key),
            status=PENDING,
            created_at=now,
        )

    async def advance(self, account_id: str) -> InvestmentAccountRow:
        """Run the opening saga from its recorded step to the end (or to a failure it records)."""
        async with self._locks[account_id]:
            row = await self.row(None, account_id)
            while row.status == PENDING_DEPOSIT:
                row = await self._step(row)
            if row.status == FAILED:
                raise FailedPrecondition(
                    f"account could not be opened: {row.failure}", reason="ACCOUNT_OPEN_FAILED"
                )
            return row

    async def _step(self, row: InvestmentAccountRow) -> InvestmentAccountRow:
        if row.step == "created":
            return await self._fund(row)
        if row.step == "funded":
            return await self._set(row.id, step="agent", agent_id=product(row.product_id).agent_id)
        if row.step == "agent":
            try:
                venue_account = await self.provision(row.id) if self.provision else venue_key(row.id)
                await self.venue.account_state(venue_account)
            except Unavailable:
                raise
            except DomainError as refused:
                return await self._refund(row, f"venue refused the account: {refused.message}")
            return await self._set(row.id, step="done", status=ACTIVE, venue_account=venue_account)
        raise AssertionError(f"unknown step {row.step}")

    async def _fund(self, row: InvestmentAccountRow) -> InvestmentAccountRow:
        transfer = await self._opening_transfer(row.id, "opening")
        try:
            await self.wallet.transfer(
                row.user_id, DEPOSIT, transfer.amount_minor, row.currency, row.id, transfer.wallet_key
            )
        except FailedPrecondition as refused:
            await self._settle(transfer.id, "failed")
            return await self._set(row.id, status=FAILED, failure=refused.message)
        async with self.db.transaction() as s:
            await s.execute(update(TransferRow).where(TransferRow.id == transfer.id).values(status=COMPLETED))
            await s.execute(
                update(InvestmentAccountRow)
                .where(InvestmentAccountRow.id == row.id, InvestmentAccountRow.step == "created")
                .values(
                    step="funded",
                    deposited_minor=InvestmentAccountRow.deposited_minor + transfer.amount_minor,
                    updated_at=self.clock.now(),
                )
            )
        return await self.row(None, row.id)

    async def _refund(self, row: InvestmentAccountRow, why: str) -> InvestmentAccountRow:
        """Compensate a funded account that cannot open: the money goes back to the wallet."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            refund = await s.scalar(
                select(TransferRow).where(TransferRow.account_id == row.id, TransferRow.kind == "refund")
            )
            if refund is None:
                refund = self._transfer(
                    row.id, row.user_id, "refund", row.deposited_minor, "open", "refund", now
                )
                s.add(refund)
                await s.execute(
                    update(InvestmentAccountRow)
                    .where(InvestmentAccountRow.id == row.id)
                    .values(withdrawn_minor=InvestmentAccountRow.deposited_minor, failure=why[:200])
                )
        await self.wallet.transfer(
            row.user_id, WITHDRAWAL, refund.amount_minor, row.currency, row.id, refund.wallet_key
        )
        await self._settle(refund.id, COMPLETED)
        return await self._set(row.id, status=FAILED, step="refunded")

    async def _opening_transfer(self, account_id: str, kind: str) -> TransferRow:
        async with self.db.session() as s:
            return (
                await s.scalars(
                    select(TransferRow)
                    .where(TransferRow.account_id == account_id, TransferRow.kind == kind)
                    .order_by(TransferRow.created_at)
                )
            ).first()  # type: ignore[return-value]

    async def _settle(self, transfer_id: str, status: str) -> None:
        async with self.db.transaction() as s:
            await s.execute(update(TransferRow).where(TransferRow.id == transfer_id).values(status=status))

    async def _set(self, account_id: str, **values: object) -> InvestmentAccountRow:
        async with self.db.transaction() as s:
            await s.execute(
                update(InvestmentAccountRow)
                .where(InvestmentAccountRow.id == account_id)
                .values(updated_at=self.clock.now(), **values)
            )
        return await self.row(None, account_id)

    async def resume(self) -> int:
        """Finish what a crash interrupted: opening sagas and transfers still pending."""
        async with self.db.session() as s:
            opening = list(
                await s.scalars(
                    select(InvestmentAccountRow.id).where(InvestmentAccountRow.status == PENDING_DEPOSIT)
                )
            )
            pending = list(
                await s.scalars(
                    select(TransferRow).where(
                        TransferRow.status == PENDING, TransferRow.kind.in_(["deposit", "withdrawal"])
                    )
                )
            )
        done = 0
        for account_id in opening:
            try:
                await self.advance(account_id)
                done += 1
            except DomainError as err:
                log.warning(
                    "opening not finished", extra={"fields": {"account": account_id, "why": err.message}}
                )
        for transfer in pending:
            try:
                await self._complete(transfer)
                done += 1
            except Unavailable as err:
                log.warning(
                    "transfer not finished", extra={"fields": {"transfer": transfer.id, "why": err.message}}
                )
        return done

    # ---- deposits and withdrawals

    async def deposit(
        self, user_id: str, account_id: str, minor: int, currency: str, key: str
    ) -> TransferView:
        amount = check_amount("amount", minor, currency, account_currency=self.currency, limit=self.limit)
        row = await self._usable(user_id, account_id)
        transfer = await self._record(row, "deposit", amount, key)
        return await self._complete(transfer)

    async def withdraw(
        self, user_id: str, account_id: str, minor: int, currency: str, key: str
    ) -> TransferView:
        """Free margin (closing the newest positions first) when the cash is tied up, then move the
        money back to the wallet; never more than the account's equity."""
        amount = check_amount("amount", minor, currency, account_currency=self.currency, limit=self.limit)
        row = await self._usable(user_id, account_id)
        async with self._locks[account_id]:
            existing = await self._existing(account_id, "withdrawal", key)
            if existing is not None:
                return await self._complete(existing)
            state = await self._free_margin_for(await self.state(row), amount)
            pnl = state.balance_minor - (row.deposited_minor - row.withdrawn_minor)
            transfer = self._transfer(
                row.id, row.user_id, "withdrawal", amount, key, "withdraw", self.clock.now()
            )
            async with self.db.transaction() as s:
                # The guard that holds across processes too: cash never goes below zero.
                taken = await s.execute(
                    update(InvestmentAccountRow)
                    .where(
                        InvestmentAccountRow.id == row.id,
                        InvestmentAccountRow.deposited_minor - InvestmentAccountRow.withdrawn_minor + pnl
                        >= amount,
                    )
                    .values(
                        withdrawn_minor=InvestmentAccountRow.withdrawn_minor + amount,
                        updated_at=self.clock.now(),
                    )
                )
                if taken.rowcount != 1:  # type: ignore[attr-defined]
                    raise FailedPrecondition("withdrawal above the free equity", reason="INSUFFICIENT_EQUITY")
                s.add(transfer)
        return await self._complete(transfer)

    async def _free_margin_for(self, state: AccountState, amount: int) -> AccountState:
        if amount > state.equity_minor:
            raise FailedPrecondition(
                f"withdrawal of {amount} above the equity of {state.equity_minor}",
                reason="INSUFFICIENT_EQUITY",
            )
        venue = state.row.venue_account
        while venue and state.free_minor < amount:
            page = await self.venue.positions(venue, status="open")
            if not page.items:
                break
            newest = max(page.items, key=lambda p: p.opened_at)
            await self.venue.close_position(venue, newest.position_id)
            state = await self.state(state.row)
        free = min(state.free_minor, state.balance_minor)
        if amount > free:
            raise FailedPrecondition(
                f"withdrawal of {amount} above the free equity of {free}",
                reason="INSUFFICIENT_EQUITY",
            )
        return state

    async def _usable(self, user_id: str, account_id: str) -> InvestmentAccountRow:
        row = await self.row(user_id, account_id)
        if row.status not in (ACTIVE, PAUSED):
            raise FailedPrecondition(f"account is {row.status}", reason="ACCOUNT_NOT_ACTIVE")
        return row

    async def _existing(self, account_id: str, kind: str, key: str) -> TransferRow | None:
        async with self.db.session() as s:
            return await s.scalar(
                select(TransferRow).where(
                    TransferRow.account_id == account_id,
                    TransferRow.kind == kind,
                    TransferRow.idempotency_key == key,
                )
            )

    async def _record(self, row: InvestmentAccountRow, kind: str, amount: int, key: str) -> TransferRow:
        transfer = self._transfer(row.id, row.user_id, kind, amount, key, kind, self.clock.now())
        try:
            async with self.db.transaction() as s:
                s.add(transfer)
        except IntegrityError:
            first = await self._existing(row.id, kind, key)
            if first is None:
                raise
            transfer = first
        if transfer.amount_minor != amount:
            raise FailedPrecondition(
                "idempotency key reused with another amount", reason="IDEMPOTENCY_KEY_REUSED"
            )
        return transfer

    async def _complete(self, transfer: TransferRow) -> TransferView:
        """Move a recorded transfer's money in the wallet (billing applies a key once) and settle it."""
        row = await self.row(None, transfer.account_id)
        if transfer.status == PENDING:
            direction = DEPOSIT if transfer.kind == "deposit" else WITHDRAWAL
            try:
                await self.wallet.transfer(
                    row.user_id, direction, transfer.amount_minor, row.currency, row.id, transfer.wallet_key
                )
            except FailedPrecondition:
                if transfer.kind != "deposit":
                    raise  # a withdrawal the wallet refuses is retried, the account no longer holds it
                await self._settle(transfer.id, "failed")
                raise
            async with self.db.transaction() as s:
                settled = await s.execute(
                    update(TransferRow)
                    .where(TransferRow.id == transfer.id, TransferRow.status == PENDING)
                    .values(status=COMPLETED)
                )
                if transfer.kind == "deposit" and settled.rowcount == 1:  # type: ignore[attr-defined]
                    await s.execute(
                        update(InvestmentAccountRow)
                        .where(InvestmentAccountRow.id == row.id)
                        .values(deposited_minor=InvestmentAccountRow.deposited_minor + transfer.amount_minor)
                    )
            async with self.db.session() as s:
                transfer = await s.get(TransferRow, transfer.id) or transfer
        return TransferView(
            transfer.id,
            row.id,
            transfer.kind,
            transfer.amount_minor,
            row.currency,
            transfer.status,
            transfer.created_at,
        )


def _open_pnl(venue: AccountView) -> int:
    return venue.equity_minor - venue.balance_minor
