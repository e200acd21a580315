"""The split run end to end (issue 18): every service its own process (`trading serve`), two
replicas of each and of the edge, on PostgreSQL and a Redis of its own, behind Envoy with one
cluster per domain. The main user flows go through Envoy, with a WebSocket on each edge replica;
a checkout made through one billing replica is paid on the other's Stripe twin and changes the
plan once; then the replica of broker and of inference that holds the background jobs is killed
(SIGKILL) mid-run, and the test shows that the survivor takes the jobs over, Envoy routes around
the dead one, nothing is done twice and nothing is lost.

The fault tests of issue 17 run on the same platform afterwards (tests/split/test_split_faults.py
shares this module's cluster through `tests/split/conftest.py`)."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from app.runtime import REPLICA_HEADER
from core.outbox import event_type
from tests.split.cluster import SYMBOL, Cluster
from tests.split.flows import Client, claims, eventually, next_event, session, subscribe

pytestmark = [pytest.mark.envoy, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

CLOSING = ("stop_loss", "take_profit", "stop_out")


async def quote(client: Client) -> tuple[Decimal, Decimal]:
    """(bid, ask) now: the first line of the price stream."""
    url = f"{client.url}/trading/stream/{SYMBOL}"
    headers = {"Authorization": f"Bearer {client.token}"}
    async with asyncio.timeout(30), client.session.get(url, headers=headers) as reply:
        assert reply.status == 200, await reply.text()
        line = json.loads(await reply.content.readline())
    tick = line.get("result", line)
    return Decimal(str(tick["bid"])), Decimal(str(tick["ask"]))


async def order_taken(client: Client) -> dict[str, Any] | None:
    """A bracketed order, or None while the gateway answers that no replica can take it (503): a
    replica that is recovering, or one just killed that Envoy's health checks have not marked yet."""
    try:
        return await bracketed_order(client)
    except (AssertionError, TimeoutError, aiohttp.ClientError):
        return None


async def bracketed_order(client: Client) -> dict[str, Any]:
    """A small buy whose take profit and stop loss sit close to the price (outside the spread), so
    the SL/TP monitor closes it soon whichever way the demo feed moves."""
    refused: Any = None
    for width in ("0.0003", "0.001", "0.003"):
        bid, ask = await quote(client)
        gap = ask * Decimal(width)
        body = {
            "symbol": SYMBOL, "side": "ORDER_SIDE_BUY", "amount": "0.001",
            "stop_loss": str((bid - gap).quantize(Decimal("0.01"))),
            "take_profit": str((ask + gap).quantize(Decimal("0.01"))),
        }  # fmt: skip
        status, order = await client.send("POST", "/trading/paper/orders", body)
        if status == 200:
            return dict(order)
        refused = order
        assert status == 400, order  # the price moved past a bracket: a wider one
    raise AssertionError(f"no bracketed order: {refused}")


def holder_pid(cluster: Cluster, lease: str) -> int | None:
    import redis

    ns = cluster.env["TRADING_REDIS_NAMESPACE"]
    raw = redis.Redis.from_url(cluster.redis.url).get(f"{ns}:lease:{lease}")
    return int(raw.decode().rpartition(":")[2]) if raw else None


def last_slot(cluster: Cluster) -> int:
    """The last scheduler slot any inference replica completed (the scheduler's own record)."""
    import redis

    ns = cluster.env["TRADING_REDIS_NAMESPACE"]
    raw = redis.Redis.from_url(cluster.redis.url).get(f"{ns}:ml:scheduler:last_slot")
    return int(raw) if raw else -1


def closing_trades_per_position(cluster: Cluster) -> dict[int, int]:
    rows = cluster.sql(
        "SELECT position_id, count(*) FROM trading.paper_trades WHERE reason = ANY(%s) GROUP BY position_id",
        list(CLOSING),
    )
    return {int(p): int(n) for p, n in rows}


def unpublished_outbox_rows(cluster: Cluster) -> int:
    schemas = [
        r[0]
        for r in cluster.sql("SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox'")
    ]
    return sum(
        int(cluster.sql(f'SELECT count(*) FROM "{s}".outbox WHERE published_at IS NULL')[0][0])
        for s in schemas
    )


def signals_per_slot(cluster: Cluster) -> list[tuple]:
    interval = int(cluster.env["TRADING_INFERENCE_SCHEDULE_INTERVAL_S"])
    return cluster.sql(
        "SELECT symbol, floor(extract(epoch FROM created_at) / %s) AS slot, count(*) FROM ml.entry_signals"
        " GROUP BY symbol, slot",
        interval,
    )


async def test_the_main_flows_through_envoy(cluster: Cluster) -> None:
    async with session() as http:
        client = Client(cluster.url, http)
        me = await client.sign_up(cluster.data_dir / "mail")
        user = me["user_id"]

        status, candles = await client.send("GET", f"/trading/candles/{SYMBOL}?tf=5m&limit=20")
        assert status == 200, candles
        assert len(candles["candles"]) == 20

        async def a_signal() -> Any:
            status, body = await client.send("GET", f"/ml/signals/{SYMBOL}")
            return status == 200 and body.get("signals")

        signals = await eventually(a_signal, "a scheduled signal (after the first model is trained)")
        assert signals[0]["symbol"] == SYMBOL

        async with AsyncExitStack() as stack:
            sockets = await a_socket_on_each_edge(cluster, http, stack, client.token)
            for ws in sockets:
                await subscribe(ws, f"user:{user}:trades", f"user:{user}:notifications")
            order = await bracketed_order(client)
            for ws in sockets:  # whichever edge replica a client is on, it gets the event
                executed = await next_event(ws, "trade_executed")
                assert executed["trade_executed"]["order_id"] == order["order"]["order_id"]
            ws = sockets[0]

            checkout = {"plan_id": "pro-monthly", "idempotency_key": uuid.uuid4().hex}
            status, started = await client.send("POST", "/payments/checkout", checkout)
            assert status == 200, started
            async with http.post(f"{started['checkout_url']}/pay", allow_redirects=False) as paid:
                assert paid.status == 303  # the twin signs the webhook and sends it to Envoy
            activated = await next_event(ws, "subscription_activated")
            assert activated["subscription_activated"]["plan"] == "pro"

        await eventually(lambda: pro_plan(client, me), "the plan in the next token")

        status, chat = await client.send("POST", "/agent/chat", {"message": "What is a stop loss?"})
        assert status == 200, chat
        assert "text" in str(chat) or chat  # an answer streamed back (the template twin)


async def pro_plan(client: Client, me: dict[str, Any]) -> bool:
    renewed = await client.refresh(me["tokens"]["refresh_token"])
    me["tokens"] = renewed
    return bool(claims(renewed["access_token"])["plan"] == "pro")


async def a_socket_on_each_edge(
    cluster: Cluster, http: aiohttp.ClientSession, stack: AsyncExitStack, token: str
) -> list[aiohttp.ClientWebSocketResponse]:
    """WebSockets through Envoy, one on each edge replica (Envoy balances them round robin; the
    edge names itself in its answer's header)."""
    host = socket.gethostname()
    wanted = {f"{host}:{p.process.pid}" for p in cluster.replicas("edge")}
    on: dict[str, aiohttp.ClientWebSocketResponse] = {}
    ws_url = cluster.url.replace("http", "ws") + "/ws"
    for _ in range(20):
        if set(on) == wanted:
            break
        ws = await stack.enter_async_context(
            http.ws_connect(ws_url, protocols=("trading.v1", f"bearer.{token}"))
        )
        assert ws._response is not None
        on.setdefault(ws._response.headers[REPLICA_HEADER], ws)
    assert set(on) == wanted, f"sockets on {set(on)}, edges {wanted}"
    return list(on.values())


async def test_a_checkout_through_one_billing_replica_paid_on_the_other_changes_the_plan_once(
    cluster: Cluster,
) -> None:
    async with session() as http:
        client = Client(cluster.url, http)
        me = await client.sign_up(cluster.data_dir / "mail")
        user = me["user_id"]
        ws_url = cluster.url.replace("http", "ws") + "/ws"
        async with http.ws_connect(ws_url, protocols=("trading.v1", f"bearer.{client.token}")) as ws:
            await subscribe(ws, f"user:{user}:notifications")
            checkout = {"plan_id": "pro-monthly", "idempotency_key": uuid.uuid4().hex}
            status, started = await client.send("POST", "/payments/checkout", checkout)
            assert status == 200, started
            made_on = next(u for u in cluster.twin_urls if started["checkout_url"].startswith(u))
            [other] = [u for u in cluster.twin_urls if u != made_on]
            session_id = started["checkout_url"].rpartition("/")[2]
            for _ in range(2):  # the customer presses Pay twice, on the other replica's twin
                async with http.post(f"{other}/checkout/{session_id}/pay", allow_redirects=False) as paid:
                    assert paid.status == 303
            activated = await next_event(ws, "subscription_activated")
            assert activated["subscription_activated"]["plan"] == "pro"
        await eventually(lambda: pro_plan(client, me), "the plan in the next token")

    def delivered() -> list[tuple]:
        return cluster.sql(
            "SELECT id FROM financial.plan_changes WHERE user_id = %s AND delivered_at IS NOT NULL", user
        )

    await eventually(lambda: _async(delivered()), "the plan change delivered")
    [(change,)] = cluster.sql("SELECT id FROM financial.plan_changes WHERE user_id = %s", user)
    subscriptions = cluster.sql("SELECT tier, status FROM financial.subscriptions WHERE user_id = %s", user)
    assert subscriptions == [("pro", "active")]
    staged = cluster.sql(
        "SELECT payload FROM financial.outbox WHERE channel = %s", f"user:{user}:notifications"
    )
    kinds = [event_type(bytes(payload)) for (payload,) in staged]
    assert kinds.count("subscription_activated") == 1, kinds
    deliveries = [
        record
        for record in log_records(cluster, "billing")
        if record.get("msg") == "plan change delivered" and record.get("change") == change
    ]
    assert len(deliveries) == 1, deliveries  # one replica delivered it (SetPlan, the cache, the mail)


def log_records(cluster: Cluster, service: str) -> list[dict[str, Any]]:
    records = []
    for line in cluster.logs(service).splitlines():
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


@dataclass
class Trader:
    """A signed-up user with a WebSocket on their trades (a netting account: one position each);
    a reader keeps taking the socket's frames (and answering its pings) while others act."""

    client: Client
    user_id: str
    ws: aiohttp.ClientWebSocketResponse
    order_id: str = ""
    fills: list[str] = field(default_factory=list)

    async def read(self) -> None:
        async for message in self.ws:
            frame = json.loads(message.data)
            if frame.get("type") == "event" and frame["event"]["type"] == "trade_executed":
                self.fills.append(frame["event"]["trade_executed"]["order_id"])

    async def buy(self) -> None:
        self.order_id = (await bracketed_order(self.client))["order"]["order_id"]

    async def filled(self) -> None:
        await eventually(lambda: _async(self.order_id in self.fills), f"the fill of {self.order_id}")


async def traders(
    cluster: Cluster, http: aiohttp.ClientSession, stack: AsyncExitStack, n: int
) -> list[Trader]:
    async def one() -> Trader:
        client = Client(cluster.url, http)
        me = await client.sign_up(cluster.data_dir / "mail")
        ws_url = cluster.url.replace("http", "ws") + "/ws"
        ws = await stack.enter_async_context(
            http.ws_connect(ws_url, protocols=("trading.v1", f"bearer.{client.token}"))
        )
        await subscribe(ws, f"user:{me['user_id']}:trades")
        trader = Trader(client, me["user_id"], ws)
        reader = asyncio.create_task(trader.read())
        stack.callback(reader.cancel)
        return trader

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def test_killing_the_working_broker_and_inference_replicas(cluster: Cluster) -> None:
    async with session() as http, AsyncExitStack() as stack:
        everyone = await traders(cluster, http, stack, 4)
        before, after = everyone[:2], everyone[2:]
        for trader in before:
            await trader.buy()

        # the replicas doing the background work die as a crashed pod dies, positions open
        sweeper = await working_replica(cluster, "broker", "broker.sweeps")
        scheduler = await working_replica(cluster, "inference", "inference.scheduler")
        slot_before = last_slot(cluster)
        cluster.replicas("broker")[sweeper].kill()
        cluster.replicas("inference")[scheduler].kill()

        # the survivors take the leases over
        await taken_over(cluster, "broker", "broker.sweeps", 1 - sweeper)
        await taken_over(cluster, "inference", "inference.scheduler", 1 - scheduler)
        await eventually(lambda: _async(last_slot(cluster) > slot_before), "the survivor runs the next slot")

        # Envoy's health checks take the dead replicas out, and it routes around them: every
        # call answers (a fresh user's paper calls, within the free plan's 10 a minute)
        dead = [cluster.ports["broker"][sweeper], cluster.ports["inference"][scheduler]]
        await eventually(lambda: envoy_marked_down(cluster, dead), "Envoy marks the dead replicas down")
        client = after[0].client
        assert [(await client.send("GET", "/trading/paper/account"))[0] for _ in range(5)] == [200] * 5
        assert [(await client.send("GET", "/inference/health"))[0] for _ in range(20)] == [200] * 20
        for trader in after:
            await trader.buy()
        for trader in everyone:  # nothing lost: every fill reaches its owner's WebSocket
            await trader.filled()

        # every bracketed position is closed by the monitor (the survivor now), each once
        users = [t.user_id for t in everyone]

        async def all_closed() -> bool:
            open_left = cluster.sql(
                "SELECT count(*) FROM trading.paper_positions p JOIN trading.paper_accounts a"
                " ON a.id = p.account_id WHERE a.user_id = ANY(%s) AND p.status = 'open'",
                users,
            )[0][0]
            return int(open_left) == 0

        await eventually(all_closed, "the SL/TP monitor closes every position", 240)
        closings = closing_trades_per_position(cluster)
        assert len(closings) >= len(everyone)
        assert set(closings.values()) == {1}, closings

    await eventually(lambda: _async(unpublished_outbox_rows(cluster) == 0), "every outbox event published")
    # a slot's run stores a LONG or SHORT signal once (a NONE decision stores nothing)
    per_slot = signals_per_slot(cluster)
    assert all(n == 1 for _, _, n in per_slot), per_slot


async def _async(value: Any) -> Any:
    return value


async def envoy_marked_down(cluster: Cluster, ports: list[int]) -> bool:
    """Envoy's admin /clusters lists each of `ports` as failing its health check (or ejected)."""
    admin = f"http://127.0.0.1:{cluster.env['TRADING_ENVOY_ADMIN_PORT']}/clusters"
    async with aiohttp.ClientSession() as s, s.get(admin) as r:
        lines = (await r.text()).splitlines()
    flags = [line for line in lines if "::health_flags::" in line]
    return all(
        any(f"::127.0.0.1:{port}::" in line and ("failed" in line or "ejected" in line) for line in flags)
        for port in ports
    )


async def working_replica(cluster: Cluster, service: str, lease: str) -> int:
    """Which replica of `service` holds `lease` (runs its background job) now."""
    pids = [p.process.pid for p in cluster.replicas(service)]
    pid = await eventually(lambda: _async(holder_pid(cluster, lease) in pids and holder_pid(cluster, lease)),
                           f"a {service} replica holds {lease}")  # fmt: skip
    return pids.index(pid)


async def taken_over(cluster: Cluster, service: str, lease: str, survivor: int) -> None:
    pid = cluster.replicas(service)[survivor].process.pid
    await eventually(lambda: _async(holder_pid(cluster, lease) == pid), f"{lease} moves to the survivor")
    log = cluster.replicas(service)[survivor]  # the lease is in Redis a moment before the line is read
    await eventually(
        lambda: _async("job running on this replica" in log.text()), "the survivor says it runs the job"
    )
