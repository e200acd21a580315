"""`/payments/webhook` at the edge: Stripe-Signature checked (bad, missing, old or future: 400
and nothing changes), verified events handed to billing with the service credential, once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from svc_billing.adapters.stripe.wire import sign
from svc_billing.models import StripeEvent
from tests.billing.conftest import WEBHOOK_SECRET, World
from tests.billing.served import Served, serve


@pytest.fixture
async def served(world: World) -> AsyncIterator[Served]:
    s = await serve(world)
    yield s
    await s.close()


async def post(served: Served, event: dict[str, Any], header: str | None = "sign") -> tuple[int, dict]:
    payload = json.dumps(event).encode()
    headers = {"Content-Type": "application/json"}
    if header == "sign":
        header = sign(payload, WEBHOOK_SECRET, int(served.world.clock.now().timestamp()))
    if header is not None:
        headers["Stripe-Signature"] = header
    response = await served.edge.post("/payments/webhook", data=payload, headers=headers)
    return response.status, await response.json()


async def paid_checkout(served: Served) -> list[dict[str, Any]]:
    session = await served.world.billing.subscriptions.checkout(
        "u1", "u1@x.com", "pro-monthly", None, "key-000000000001"
    )
    served.world.twin.pay_checkout(session.id)
    return list(served.world.twin.events)


async def stored_events(served: Served) -> int:
    async with served.world.ctx.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(StripeEvent)) or 0)


async def test_a_signed_event_is_applied(served: Served) -> None:
    completed, _ = await paid_checkout(served)
    assert await post(served, completed) == (200, {"received": True, "outcome": "applied"})
    assert (await served.world.billing.subscriptions.latest("u1")).status == "active"


@pytest.mark.parametrize(
    "header",
    [None, "", "t=abc,v1=00", "v1=deadbeef", "t=1767614400,v1=" + "0" * 64],
    ids=["missing", "empty", "malformed", "no-timestamp", "wrong-signature"],
)
async def test_a_bad_signature_is_400_and_changes_nothing(served: Served, header: str | None) -> None:
    completed, _ = await paid_checkout(served)
    status, body = await post(served, completed, header)
    assert status == 400
    assert body["code"] == 3
    assert await stored_events(served) == 0
    assert await served.world.billing.subscriptions.latest("u1") is None


async def test_a_signature_for_another_payload_is_400(served: Served) -> None:
    completed, paid = await paid_checkout(served)
    forged = sign(json.dumps(paid).encode(), WEBHOOK_SECRET, int(served.world.clock.now().timestamp()))
    assert (await post(served, completed, forged))[0] == 400


@pytest.mark.parametrize(
    "offset_s", [-301, 301, -3600, 3600], ids=["old", "future", "hour-old", "hour-ahead"]
)
async def test_a_timestamp_outside_five_minutes_is_400(served: Served, offset_s: int) -> None:
    completed, _ = await paid_checkout(served)
    payload = json.dumps(completed).encode()
    header = sign(payload, WEBHOOK_SECRET, int(served.world.clock.now().timestamp()) + offset_s)
    assert (await post(served, completed, header))[0] == 400
    assert await stored_events(served) == 0


async def test_a_timestamp_within_five_minutes_either_way_is_accepted(served: Served) -> None:
    completed, paid = await paid_checkout(served)
    now = int(served.world.clock.now().timestamp())
    early = sign(json.dumps(completed).encode(), WEBHOOK_SECRET, now - 299)
    late = sign(json.dumps(paid).encode(), WEBHOOK_SECRET, now + 299)
    assert (await post(served, completed, early))[0] == 200
    assert (await post(served, paid, late))[0] == 200


async def test_twenty_deliveries_through_the_edge_have_one_effect(served: Served) -> None:
    completed, _ = await paid_checkout(served)
    answers = await asyncio.gather(*(post(served, completed) for _ in range(20)))
    outcomes = sorted(body["outcome"] for status, body in answers if status == 200)
    assert outcomes == ["applied"] + ["duplicate"] * 19
    await served.world.built.plan_sync.drain()
    assert len(served.world.accounts.mails) == 1


async def test_an_unknown_event_type_is_acknowledged(served: Served) -> None:
    event = {"id": "evt_other1", "type": "customer.updated", "created": 1767614400, "livemode": False,
             "data": {"object": {"id": "cus_1"}}}  # fmt: skip
    assert await post(served, event) == (200, {"received": True, "outcome": "ignored"})


async def test_a_signed_body_that_is_not_an_event_is_400(served: Served) -> None:
    assert (await post(served, {"hello": "world"}))[0] == 400


async def test_billing_unreachable_is_503_so_stripe_sends_it_again(served: Served) -> None:
    completed, _ = await paid_checkout(served)
    await served.server.stop(0)
    status, body = await post(served, completed)
    assert status == 503
    assert body["code"] == 14
