"""The venue's deals reach the execution log once, whether the webhook or the deal history sees
them first; `/broker/webhook` takes only correctly signed, fresh events."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY
from sqlalchemy import select

from core.bus import InProcessBus
from edge.broker_webhook import broker_webhook
from svc_broker.broker import OrderRequest
from svc_broker.investment.models import OUTBOX, Execution
from svc_broker.investment.reconcile import Reconciler
from svc_broker.investment.webhook_wire import WEBHOOK_STREAM, BrokerWebhookSettings, sign, webhook_secret
from tests.investment.conftest import OWNER, Kit
from tests.investment.test_agent import btc_signal

SECRET = "whsec-test-secret"
D = Decimal


async def _executions(kit: Kit) -> list[Execution]:
    async with kit.db.session() as s:
        return list(await s.scalars(select(Execution).order_by(Execution.id)))


async def test_reconciliation_logs_missed_fills_once_and_closes_with_pnl(kit: Kit) -> None:
    await kit.verified(OWNER, funds=50_000)
    account = await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    venue = account.row.venue_account or ""
    await kit.agent().on_signal(btc_signal())  # logged by the agent
    missed = await kit.venue.place_order(venue, OrderRequest("BTCUSD", "buy", D("0.001")))  # not seen
    reconciler = Reconciler(kit.db, kit.clock, kit.venue)
    assert await kit.accounts.resume() == 0
    assert await reconciler.reconcile_all() == 1
    assert await reconciler.reconcile_all() == 0  # the second pass finds nothing new
    logged = await _executions(kit)
    assert [e.source for e in logged] == ["agent", "reconcile"]
    assert logged[1].ticket == missed.order_id
    assert all(e.position_id for e in logged)  # the agent's row learned its position

    [position] = (await kit.venue.positions(venue)).items
    closed = await kit.venue.close_position(venue, position.position_id)
    assert await reconciler.reconcile_all() == 1
    logged = await _executions(kit)
    assert {e.pnl_minor for e in logged if e.closed_at} == {closed.trade.realized_pnl_minor}
    async with kit.db.session() as s:
        channels = list(await s.scalars(select(OUTBOX.c.channel)))
    assert channels.count(f"user:{OWNER}:positions") == 1


async def test_signed_webhooks_are_applied_once_and_bad_signatures_are_400(kit: Kit) -> None:
    await kit.verified(OWNER, funds=50_000)
    account = await kit.accounts.open(OWNER, "atlas", 20_000, "USD", "open-key-0001")
    bus = InProcessBus()
    app = web.Application()
    app.router.add_post("/broker/webhook", broker_webhook(bus, kit.clock, secret=SECRET))
    body = json.dumps(
        {
            "type": "trade_executed",
            "accountId": account.row.venue_account,
            "deal": {
                "id": "deal-1",
                "orderId": "ticket-77",
                "positionId": "pos-9",
                "symbol": "EURUSD",
                "type": "DEAL_TYPE_BUY",
                "volume": 0.1,
                "price": 1.1001,
                "time": "2025-01-06T12:00:00Z",
            },
        }
    ).encode()
    now = int(kit.clock.now().timestamp())
    good = {"X-Signature": sign(SECRET, now, body), "X-Timestamp": str(now)}
    async with TestClient(TestServer(app)) as client:
        for headers in (
            {"X-Signature": sign("another-secret", now, body), "X-Timestamp": str(now)},
            {"X-Signature": sign(SECRET, now - 3600, body), "X-Timestamp": str(now - 3600)},
            {"X-Timestamp": str(now)},
        ):
            refused = await client.post("/broker/webhook", data=body, headers=headers)
            assert refused.status == 400
        tampered = await client.post("/broker/webhook", data=body.replace(b"0.1", b"9.1"), headers=good)
        assert tampered.status == 400
        for _ in range(2):  # the venue delivers twice
            assert (await client.post("/broker/webhook", data=body, headers=good)).status == 200

    delays_before = _applied_webhooks()
    reconciler = Reconciler(kit.db, kit.clock, kit.venue)
    consumer = asyncio.create_task(reconciler.consume_webhooks(bus))
    try:
        for _ in range(500):  # bounded: until both entries are acked
            if _drained(bus, 2):
                break
            await asyncio.sleep(0.01)
    finally:
        consumer.cancel()
    [execution] = await _executions(kit)
    assert (execution.ticket, execution.source, execution.volume) == ("ticket-77", "webhook", D("0.1"))
    assert _applied_webhooks() - delays_before == 1  # delivered twice, applied (and timed) once


def _applied_webhooks() -> float:
    return REGISTRY.get_sample_value("webhook_delay_seconds_count", {"vendor": "metaapi"}) or 0.0


def _drained(bus: InProcessBus, entries: int) -> bool:
    """The consumer group has taken and acked every entry (read from the in-process stream)."""
    group = bus._stream(WEBHOOK_STREAM).groups.get("investment")
    return group is not None and group.last_seq == entries and not group.pending


async def test_without_a_secret_the_webhook_is_503_not_configured() -> None:
    app = web.Application()
    app.router.add_post("/broker/webhook", broker_webhook(InProcessBus(), secret=""))
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/broker/webhook", data=b"{}")
        assert response.status == 503
        body = await response.json()
    assert body["code"] == 14
    assert "not configured" in body["message"]


def test_the_secret_is_derived_from_the_internal_key_unless_configured() -> None:
    derived = webhook_secret(BrokerWebhookSettings(secret=""), "internal-key-1")
    assert derived == webhook_secret(BrokerWebhookSettings(secret=""), "internal-key-1")
    assert derived != webhook_secret(BrokerWebhookSettings(secret=""), "internal-key-2")
    assert webhook_secret(BrokerWebhookSettings(secret="configured"), "internal-key-1") == "configured"
    assert webhook_secret(BrokerWebhookSettings(secret=""), "") == ""
