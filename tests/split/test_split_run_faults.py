"""Issue 17's fault tests on the split run (the session's cluster, after tests/split/test_split_run.py):
PostgreSQL connections dropped, the inference processes killed (stale predictions, the ML engine
breaker), Redis restarted. Each is observed from outside, as an operator sees it: through Envoy,
the edge's /health and /metrics, and the database."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from trading.inference.v1 import inference_messages_pb2 as ipb

from core.breaker import CLOSED, HALF_OPEN, OPEN
from core.clients import BreakerSettings, ClientFactory, PredictionsWithFallback
from core.clock import TestClock
from core.kv import RedisKeyValue
from core.settings import Settings
from tests.split.cluster import SYMBOL, Cluster
from tests.split.flows import Client, eventually, next_event, session, subscribe
from tests.split.test_split_run import _async, order_taken, unpublished_outbox_rows

pytestmark = [pytest.mark.envoy, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


async def edge_health(cluster: Cluster) -> dict[str, Any]:
    async with aiohttp.ClientSession() as s, s.get(cluster.edge_url + "/health") as r:
        return dict(json.loads(await r.text()))


async def edge_metrics(cluster: Cluster) -> str:
    async with aiohttp.ClientSession() as s, s.get(cluster.edge_url + "/metrics") as r:
        return await r.text()


def alive(cluster: Cluster) -> list[str]:
    return [name for name, p in cluster.procs.items() if p.process.poll() is None]


async def test_dropped_database_connections_are_recovered_without_a_restart(cluster: Cluster) -> None:
    async with session() as http:
        client = Client(cluster.url, http)
        await client.sign_up(cluster.data_dir / "mail")
        running = alive(cluster)
        dropped = cluster.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            cluster.database,
        )
        assert dropped  # every service had connections open

        async def answers() -> bool:
            account = (await client.send("GET", "/trading/paper/account"))[0]
            candles = (await client.send("GET", f"/trading/candles/{SYMBOL}?tf=5m&limit=5"))[0]
            return account == candles == 200

        await eventually(answers, "reads answer again after the connections were dropped")
        await client.sign_up(cluster.data_dir / "mail")  # writes too, in auth, and its outbox mail
        await eventually(lambda: order_taken(client), "an order is taken after the connections were dropped")
        assert alive(cluster) == running  # nobody was restarted


async def test_the_inference_processes_killed(cluster: Cluster) -> None:
    """Seed 9.1 and 9.2: a caller gets the last prediction marked stale with its age; the ML engine
    breaker opens after its 5 failures, lets one probe through after its reset time (the caller's
    injected clock, not the wall clock), and the edge's /health and /metrics show it."""
    clock = TestClock()
    ns = cluster.env["TRADING_REDIS_NAMESPACE"]
    settings = Settings(service_addresses=json.loads(cluster.env["TRADING_SERVICE_ADDRESSES"]))
    clients = ClientFactory(settings, clock, api_key=cluster.env["TRADING_INTERNAL_API_KEY"])
    kv = RedisKeyValue(cluster.redis.url, namespace=ns)
    predictions = PredictionsWithFallback(clients, kv, clock)
    request = ipb.CreatePredictionRequest(symbol=SYMBOL, timeframe="5m", horizon=18)
    engine = BreakerSettings().service_breakers()["inference"]
    try:
        fresh, age = await predictions.create(request, timeout=30)
        assert age is None
        assert not fresh.prediction.stale

        for proc in cluster.replicas("inference"):
            proc.kill()
        clock.advance(90)
        breaker = clients.breaker("inference")
        for n in range(1, engine.failure_threshold + 1):
            assert breaker.state == CLOSED, n  # not before its threshold
            stale, age = await predictions.create(request, timeout=5)
            assert stale.prediction.stale
            assert age == 90
            assert stale.prediction.predicted_high == fresh.prediction.predicted_high
        assert breaker.state == OPEN  # after exactly its threshold of failures
        stale, _ = await predictions.create(request, timeout=5)  # answered without a call
        assert stale.prediction.stale

        clock.advance(engine.reset_s)  # the probe is due: one call goes through, fails, reopens
        assert breaker.retry_after_s() == 0
        stale, _ = await predictions.create(request, timeout=5)
        assert stale.prediction.stale
        assert breaker.state == OPEN

        # the operator's view: the edge's own engine check finds it down and its breaker opens
        async def edge_sees_it() -> bool:
            body = await edge_health(cluster)
            engine_check = body.get("dependencies", {}).get("ml_engine", {})
            return (
                body["status"] == "degraded"
                and engine_check.get("ok") is False
                and (body.get("breakers", {}).get("grpc:inference") in (OPEN, HALF_OPEN))
            )

        await eventually(edge_sees_it, "the edge's /health shows the engine down and its breaker open", 240)
        text = await edge_metrics(cluster)
        assert 'dependency_up{dependency="ml_engine"} 0.0' in text
        assert 'circuit_breaker_transitions_total{name="grpc:inference",state="open"}' in text

        # an engine comes back: the next probe closes the breaker and answers fresh again
        restarted = cluster.restart("inference", 0)
        restarted.wait_ready()
        clock.advance(engine.reset_s)

        async def fresh_again() -> bool:
            reply, age = await predictions.create(request, timeout=30)
            if age is None:
                return not reply.prediction.stale
            clock.advance(engine.reset_s)  # still stale: the next call is the breaker's next probe
            return False

        await eventually(fresh_again, "a fresh prediction once an engine is back")
        assert breaker.state == CLOSED
    finally:
        await clients.close()
        await kv.close()


async def test_a_redis_restart_loses_no_event_and_subscribers_resume(cluster: Cluster) -> None:
    async with asyncio.timeout(120):  # a bound only: whatever part hangs, the test ends (and is reported)
        await _redis_restart(cluster)


async def _redis_restart(cluster: Cluster) -> None:
    async with session() as http:
        client = Client(cluster.url, http)
        me = await client.sign_up(cluster.data_dir / "mail")
        ws_url = cluster.url.replace("http", "ws") + "/ws"
        async with http.ws_connect(ws_url, protocols=("trading.v1", f"bearer.{client.token}")) as ws:
            await subscribe(ws, f"user:{me['user_id']}:trades")
            cluster.redis.stop()
            await client.send("GET", "/trading/paper/account")  # whatever it answers meanwhile
            cluster.redis.start()  # empty: nothing of before survives but what PostgreSQL holds

            order = await eventually(lambda: order_taken(client), "an order is taken again after the restart")
            executed = await next_event(ws, "trade_executed")
            assert executed["trade_executed"]["order_id"] == order["order"]["order_id"]
        await eventually(
            lambda: _async(unpublished_outbox_rows(cluster) == 0), "every outbox event published"
        )
