"""Investment test kit: the paper venue and billing's real wallet on one database, the investment
domain over them, and a wallet that can be made unreachable for crash and retry tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from core.clock import TestClock
from core.db import Database
from core.errors import Unavailable
from svc_billing import ledger
from svc_billing.config import BillingSettings
from svc_billing.models import Base as BillingBase
from svc_billing.wallet import DEPOSIT as WALLET_DEPOSIT
from svc_billing.wallet import INVESTMENT_DEPOSIT, Wallets
from svc_broker.config import BrokerSettings
from svc_broker.investment.accounts import Accounts
from svc_broker.investment.agent import TradingAgent
from svc_broker.investment.kyc import Kyc
from svc_broker.investment.models import Base, Integration
from svc_broker.investment.performance import Performance
from svc_broker.investment.products import product
from svc_broker.market import Quote, QuoteBook, StaticSymbolCatalog
from svc_broker.models import Base as TradingBase
from svc_broker.venues.paper import PaperBroker
from tests.broker.conftest import SYMBOLS

D = Decimal
OWNER, OTHER, ADMIN = "investor-1", "investor-2", "compliance-1"


@dataclass
class BillingWalletFunds:
    """billing's own wallet code in process (what TransferWalletFunds runs), with a switch that
    makes the next calls fail as an unreachable billing would."""

    wallets: Wallets
    down: int = 0  # how many of the next calls fail before reaching the wallet
    lost_replies: int = 0  # how many of the next calls move money and then fail
    calls: list[str] = field(default_factory=list)

    async def transfer(
        self, user_id: str, direction: str, minor: int, currency: str, reference: str, key: str
    ) -> None:
        self.calls.append(key)
        if self.down:
            self.down -= 1
            raise Unavailable("billing unreachable", reason="WALLET_UNAVAILABLE")
        await self.wallets.transfer(user_id, direction, minor, currency, reference, key)
        if self.lost_replies:
            self.lost_replies -= 1
            raise Unavailable("reply lost", reason="WALLET_UNAVAILABLE")

    async def fund(self, user_id: str, minor: int) -> None:
        async with self.wallets.db.transaction() as s:
            await self.wallets.post(
                s,
                user_id,
                WALLET_DEPOSIT,
                minor,
                ledger.STRIPE_CLEARING,
                "test",
                "Deposit",
                str(uuid.uuid4()),
            )

    async def balance(self, user_id: str) -> int:
        return (await self.wallets.view(user_id)).balance_minor


@dataclass
class Kit:
    db: Database
    clock: TestClock
    book: QuoteBook
    venue: PaperBroker
    wallet: BillingWalletFunds
    kyc: Kyc
    accounts: Accounts
    performance: Performance

    def tick(self, symbol: str, bid: str, ask: str) -> None:
        self.book.update(Quote(symbol, D(bid), D(ask), self.clock.now()))

    def agent(self, product_id: str = "atlas") -> TradingAgent:
        catalog = StaticSymbolCatalog(SYMBOLS)
        return TradingAgent(
            product(product_id),
            self.accounts,
            self.venue,
            self.db,
            self.clock,
            catalog.get,
            self.book.latest,
        )

    async def verified(self, user_id: str, funds: int = 0) -> None:
        await self.kyc.submit(user_id, "Ada Investor", "ES", "X1234567")
        await self.kyc.review(user_id, ADMIN, approve=True)
        if funds:
            await self.wallet.fund(user_id, funds)


@pytest.fixture
async def kit(make_database) -> Kit:
    db = await make_database(TradingBase.metadata, BillingBase.metadata, Base.metadata, Integration.metadata)
    clock = TestClock()  # Monday 2025-01-06 12:00 UTC: FX and crypto open
    book = QuoteBook()
    settings = BrokerSettings(leverage={"fx": 30, "crypto": 2}, session_spread_factor={}, slippage_pips=D(0))
    venue = PaperBroker(db, book, StaticSymbolCatalog(SYMBOLS), clock, settings)
    wallet = BillingWalletFunds(Wallets(db, clock, BillingSettings()))
    kyc = Kyc(db, clock)
    accounts = Accounts(db, clock, kyc, wallet, venue)
    k = Kit(db, clock, book, venue, wallet, kyc, accounts, Performance(db, clock, accounts))
    k.tick("EURUSD", "1.10000", "1.10010")
    k.tick("BTCUSD", "50000", "50010")
    k.tick("USDJPY", "150.00", "150.02")
    return k


__all__ = ["ADMIN", "INVESTMENT_DEPOSIT", "OTHER", "OWNER", "Kit"]
