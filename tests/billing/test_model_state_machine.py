"""A model of every wallet, checked against the ledger after each step of random deposits
(webhook delivered or lost and found by the poller), transfers (and their retries), refunds and
redelivered webhooks; money is conserved: all entries sum to zero. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select, text

from core.clock import TestClock
from core.db import Database
from core.errors import FailedPrecondition
from svc_billing import ledger
from svc_billing.adapters.stripe.sdk import StripeSdkGateway
from svc_billing.adapters.stripe.twin import StripeTwin, TwinServer
from svc_billing.config import BillingSettings
from svc_billing.models import Base, Wallet
from svc_billing.wallet import INVESTMENT_DEPOSIT, INVESTMENT_WITHDRAWAL
from svc_billing.wiring import assemble
from tests.billing.conftest import START, WEBHOOK_SECRET, RecordingDirectory, World, context

USERS = ("u1", "u2")
amounts = st.integers(min_value=1, max_value=20_000)


async def open_world(url: str, directory: Path) -> World:
    if url.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{directory}/{uuid.uuid4().hex}/main.sqlite"  # a fresh file per example
    db = Database(url)
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS financial CASCADE"))
    await db.create_all([Base.metadata])
    clock = TestClock(START)
    twin = StripeTwin(WEBHOOK_SECRET, clock)
    twin.send_webhooks = False
    server = TwinServer(twin, "127.0.0.1", 0)
    await server.start()
    stripe = StripeSdkGateway("sk_test_model", server.base_url, timeout_s=15, clock=clock)
    accounts = RecordingDirectory()
    ctx = context(db, clock, directory)
    return World(
        ctx,
        clock,
        twin,
        server,
        stripe,
        accounts,
        assemble(ctx, BillingSettings(), stripe=stripe, accounts=accounts),
    )


class WalletModel(RuleBasedStateMachine):
    url = ""
    directory = Path(".")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.world = self.run(open_world(self.url, self.directory))
        self.balance = dict.fromkeys(USERS, 0)
        self.lost: list[tuple[str, int]] = []  # paid deposits whose webhook never came
        self.deposits: list[dict[str, Any]] = []  # credited: user, intent, amount, refunded
        self.keys = itertools.count()
        self.last_transfer: tuple[Any, ...] | None = None

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.run(self.world.stripe.close())
        self.run(self.world.twin_server.stop())
        self.run(self.world.ctx.db.dispose())
        self.loop.close()

    def key(self) -> str:
        return f"model-key-{next(self.keys):08d}"

    @rule(user=st.sampled_from(USERS), minor=amounts, webhook_lost=st.booleans())
    def deposit(self, user: str, minor: int, webhook_lost: bool) -> None:
        b = self.world.billing
        started = self.run(b.deposits.start(user, f"{user}@x.com", minor, "USD", "card", self.key()))
        self.world.twin.pay_intent(started.intent.id)
        if webhook_lost:
            self.world.delivered = len(self.world.twin.events)
            self.lost.append((user, minor))
        else:
            assert self.run(self.world.deliver_new()) == ["applied"]
            self.balance[user] += minor
        self.deposits.append({"user": user, "intent": started.intent.id, "amount": minor, "refunded": 0})

    @precondition(lambda self: self.lost)
    @rule()
    def poll(self) -> None:
        self.run(self.world.built.poller.poll_once())
        for user, minor in self.lost:
            self.balance[user] += minor
        self.lost.clear()

    @rule(user=st.sampled_from(USERS), minor=amounts, out=st.booleans())
    def transfer(self, user: str, minor: int, out: bool) -> None:
        kind = INVESTMENT_DEPOSIT if out else INVESTMENT_WITHDRAWAL
        args = (user, kind, minor, "USD", f"acct-{user}", self.key())
        if out and minor > self.balance[user]:
            with pytest.raises(FailedPrecondition, match="lower than the amount"):
                self.run(self.world.billing.wallets.transfer(*args))
            return
        result = self.run(self.world.billing.wallets.transfer(*args))
        self.balance[user] += -minor if out else minor
        assert result.balance_minor == self.balance[user]
        self.last_transfer = (args, result.transaction.id)

    @precondition(lambda self: self.last_transfer is not None)
    @rule()
    def retry_last_transfer(self) -> None:
        assert self.last_transfer is not None
        args, first_id = self.last_transfer
        again = self.run(self.world.billing.wallets.transfer(*args))
        assert again.transaction.id == first_id

    @precondition(lambda self: self.deposits)
    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        credited = [d for d in self.deposits if (d["user"], d["amount"]) not in self.lost]
        if not credited:
            return
        deposit = credited[data.draw(st.integers(min_value=0, max_value=len(credited) - 1))]
        part = data.draw(st.integers(min_value=1, max_value=deposit["amount"]))
        intent = self.world.twin.refund(deposit["intent"], part)
        self.run(self.world.deliver_new())
        due = min(intent["amount_refunded"], deposit["amount"]) - deposit["refunded"]
        if 0 < due <= self.balance[deposit["user"]]:
            self.balance[deposit["user"]] -= due
            deposit["refunded"] += due

    @precondition(lambda self: self.world.twin.events)
    @rule(data=st.data())
    def redeliver(self, data: st.DataObject) -> None:
        delivered = self.world.twin.events[: self.world.delivered]
        index = data.draw(st.integers(min_value=0, max_value=max(0, len(delivered) - 1)))
        if delivered:
            assert self.run(self.world.deliver(delivered[index])) in ("duplicate", "ignored")

    @invariant()
    def wallets_match_the_model_and_the_books_balance(self) -> None:
        async def check() -> None:
            async with self.world.ctx.db.session() as s:
                assert await ledger.total(s) == 0
                for user in USERS:
                    wallet = await s.scalar(select(Wallet.balance_minor).where(Wallet.user_id == user))
                    assert (wallet or 0) == self.balance[user]
                    assert (
                        await ledger.account_balance(s, ledger.wallet_account(user), "USD")
                        == self.balance[user]
                    )

        self.run(check())


def test_wallets_match_their_model(database_url: str, tmp_path: Path) -> None:
    WalletModel.url = database_url
    WalletModel.directory = tmp_path
    machine = WalletModel.TestCase
    machine.settings = hsettings(max_examples=6, stateful_step_count=15, deadline=None)
    machine().runTest()
