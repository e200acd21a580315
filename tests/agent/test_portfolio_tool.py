"""`get_portfolio_status` end to end: a user with a paper position and an Atlas investment account
opened through the real investment service (wallet funded on billing's ledger, KYC approved) asks
for their portfolio; the tool result holds both, and another user's account never shows."""

from __future__ import annotations

import asyncio
import json
import uuid
from decimal import Decimal
from typing import Any

import grpc
import pytest
from trading.broker.v1 import broker_messages_pb2 as bpb
from trading.broker.v1 import investment_messages_pb2 as ipb
from trading.broker.v1.broker_service_pb2_grpc import PaperTradingServiceStub
from trading.broker.v1.investment_service_pb2_grpc import InvestmentServiceStub
from trading.common.v1.money_pb2 import Money

import tests.agent.conftest as agent_kit
from svc_billing import ledger
from svc_billing.config import BillingSettings
from svc_billing.wallet import DEPOSIT, Wallets
from svc_broker.investment.kyc import Kyc
from tests.agent.conftest import SYMBOL, Metadata, Platform, text_of
from tests.agent.fake_anthropic import FakeAnthropic, Text, ToolCall, Turn

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def with_billing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Investment accounts are funded from billing's wallet, so billing runs beside the broker."""
    monkeypatch.setattr(agent_kit, "SERVICES", [*agent_kit.SERVICES, "billing"])


async def paper_position(platform: Platform, md: Metadata) -> bpb.Order:
    """A filled paper buy; bounded wait for the broker's first price."""
    paper = PaperTradingServiceStub(platform.channel)
    request = bpb.CreateOrderRequest(
        symbol=SYMBOL,
        side=bpb.ORDER_SIDE_BUY,
        amount="0.01",
        amount_unit=bpb.AMOUNT_UNIT_UNITS,
        type=bpb.ORDER_TYPE_MARKET,
        client_order_id="portfolio-position",
    )
    for _ in range(400):
        try:
            return (await paper.CreateOrder(request, metadata=md, timeout=30)).order
        except grpc.aio.AioRpcError as refused:
            if refused.code() != grpc.StatusCode.UNAVAILABLE:
                raise
        await asyncio.sleep(0.05)
    pytest.fail("the broker never had a price")


async def atlas_account(platform: Platform, user_id: str, md: Metadata, minor: int) -> ipb.InvestmentAccount:
    """KYC approved by compliance, the wallet funded on billing's ledger, Atlas opened over gRPC."""
    ctx = platform.ctx
    investment = InvestmentServiceStub(platform.channel)
    await investment.SubmitKyc(
        ipb.SubmitKycRequest(full_name="Ada Investor", country="ES", document_number="X1234567"),
        metadata=md,
    )
    await Kyc(ctx.db, ctx.clock).review(user_id, "compliance-1", approve=True)
    wallets = Wallets(ctx.db, ctx.clock, BillingSettings())
    async with ctx.db.transaction() as s:
        await wallets.post(
            s, user_id, DEPOSIT, 500_000, ledger.STRIPE_CLEARING, "test", "Deposit", str(uuid.uuid4())
        )
    listed = await investment.ListInvestmentProducts(ipb.ListInvestmentProductsRequest(), metadata=md)
    atlas = next(p for p in listed.products if p.name == "Atlas")
    opened = await investment.CreateInvestmentAccount(
        ipb.CreateInvestmentAccountRequest(
            product_id=atlas.product_id,
            amount=Money(currency="USD", minor_units=minor),
            idempotency_key=f"open-{user_id}",
        ),
        metadata=md,
    )
    return opened.account


def portfolio_result(items: list[Any]) -> dict[str, Any]:
    [result] = [i.tool_result for i in items if i.WhichOneof("event") == "tool_result"]
    assert not result.is_error, result.output_json
    return json.loads(result.output_json)


def facts_of(result: dict[str, Any]) -> tuple[Any, ...]:
    """What does not move with prices: positions, accounts, their products, statuses, balances."""
    return (
        [(p["symbol"], Decimal(p["quantity"])) for p in result["open_positions"]],
        [
            (a["account_id"], a["product_name"], a["status"], a["balance"])
            for a in result["investment_accounts"]
        ],
    )


async def test_the_portfolio_tool_shows_the_paper_account_and_the_users_own_investment_accounts(
    make_platform, fake: FakeAnthropic
) -> None:
    platform = await make_platform()
    user_id, md = await platform.register("ada@example.com", first_name="Ada", verified=True)
    other_id, other_md = await platform.register("eve@example.com", first_name="Eve", verified=True)
    order = await paper_position(platform, md)
    mine = await atlas_account(platform, user_id, md, 200_000)
    theirs = await atlas_account(platform, other_id, other_md, 150_000)

    fake.script = [
        Turn([ToolCall("toolu_p", "get_portfolio_status", {})], stop_reason="tool_use"),
        Turn([Text("You hold one paper position and an Atlas account.")]),
    ]
    items = await platform.chat(md, "How is my portfolio doing?")
    assert [i.tool_call.name for i in items if i.WhichOneof("event") == "tool_call"] == [
        "get_portfolio_status"
    ]
    shown = portfolio_result(items)

    # What the model received is exactly what the stream showed.
    [returned] = [
        b for b in fake.received[1].body["messages"][-1]["content"] if b.get("type") == "tool_result"
    ]
    assert returned["tool_use_id"] == "toolu_p"
    assert json.loads(returned["content"]) == shown

    assert shown["paper_account"]["balance"]["currency"] == "USD"
    assert [(p["symbol"], Decimal(p["quantity"])) for p in shown["open_positions"]] == [
        (SYMBOL, Decimal("0.01"))
    ]
    assert order.symbol == SYMBOL
    [account] = shown["investment_accounts"]
    assert "investment_accounts_error" not in shown
    assert (account["account_id"], account["product_name"], account["status"]) == (
        mine.account_id,
        "Atlas",
        "active",
    )
    assert account["risk_profile"] == "conservative"
    assert account["balance"] == {"currency": "USD", "minor_units": "200000"}
    assert account["equity"]["currency"] == "USD"  # marked to market: it moves with prices
    assert theirs.account_id not in json.dumps(shown)
    assert theirs.account_id not in json.dumps(fake.received[1].body)

    # The template path (no key) calls the same tool and says the same facts.
    templated = await make_platform(claude=False)
    again = await templated.chat(md, "show my portfolio")
    assert "Template mode" in text_of(again)
    facts = facts_of(portfolio_result(again))
    assert facts == facts_of(shown)
    text = text_of(again)
    assert "Atlas (active): balance 2,000.00 USD, equity " in text
    assert "1 open position(s)" in text
    assert theirs.account_id not in json.dumps(portfolio_result(again))

    # The other user sees their own account only.
    theirs_shown = portfolio_result(await templated.chat(other_md, "show my portfolio"))
    assert [a["account_id"] for a in theirs_shown["investment_accounts"]] == [theirs.account_id]
    assert theirs_shown["open_positions"] == []
