"""Whole-platform throughput for a scripted user mix through Envoy, on PostgreSQL and Redis:
all-in-one with one and two worker processes, and split with one and two replicas of every
service; then WebSocket fan-out to 1,000 clients through Envoy.

Each simulated user signs in, opens a WebSocket on its trades channel, then loops without pause:
candles (100 five-minute bars), the symbol's signal scorecard (its published signals and their
outcomes: no models are trained for the bench, which would take minutes on a busy 2-core
machine, so live signals are not in the mix), a paper order (buy and sell in turn), its
positions; it signs in again every 20 rounds. Users are on the premium plan (set in
the database after sign-up) so plan quotas do not turn the mix into 429s. Prints requests/s, p50,
p95 and p99 of every request and of paper orders alone, error counts, and each run's throughput
as a ratio of the one-process all-in-one run measured in the same invocation.

Fan-out: 1,000 WebSockets through Envoy subscribe to ticker:BTCUSD (a price every 0.5 s from the
demo feed); each price's delay from its timestamp to its receipt by each client, p50 and p99.

Run: .venv/bin/python -m bench.bench_platform [--users 50] [--seconds 30] [--runs a1,a2,s1,s2]
     [--fanout 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.cpu_share import CpuShare, describe
from bench.fanout_receivers import fan_out
from bench.load import own_address_session, percentile
from bench.platform_runs import Platform, all_in_one, split

PASSWORD = "a long passphrase 1"
RUNS = {
    "a1": ("all-in-one, 1 worker", lambda d: all_in_one(1, d)),
    "a2": ("all-in-one, 2 workers", lambda d: all_in_one(2, d)),
    "s1": ("split, 1 replica each", lambda d: split(1, d)),
    "s2": ("split, 2 replicas each", lambda d: split(2, d)),
}


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    events: int = 0
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)

    def add(self, kind: str, ms: float, ok: bool) -> None:
        self.latencies.setdefault(kind, []).append(ms)
        if not ok:
            self.errors[kind] += 1

    def every(self) -> list[float]:
        return [ms for values in self.latencies.values() for ms in values]

    @property
    def per_s(self) -> float:
        return len(self.every()) / self.seconds


@dataclass
class User:
    email: str
    user_id: str = ""
    token: str = ""


class Client:
    def __init__(self, http: aiohttp.ClientSession, url: str, stats: Stats | None) -> None:
        self.http, self.url, self.stats = http, url, stats

    async def call(
        self, kind: str, method: str, path: str, token: str = "", body: Any = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        t0 = time.perf_counter()
        async with self.http.request(method, self.url + path, json=body, headers=headers) as response:
            data = await response.json(content_type=None)
            status = response.status
        if self.stats is not None:
            self.stats.add(kind, (time.perf_counter() - t0) * 1000, status < 400)
        return status, data

    async def sign_in(self, user: User) -> None:
        body = {"email": user.email, "password": PASSWORD}
        status, data = await self.call("sign-in", "POST", "/auth/login", body=body)
        if status == 200:
            user.token = data["tokens"]["access_token"]


async def prepare_users(platform: Platform, count: int) -> list[User]:
    """Sign up `count` users and put them on the premium plan."""
    users = [User(f"mix-{uuid.uuid4().hex[:10]}@example.com") for _ in range(count)]
    async with aiohttp.ClientSession() as http:
        client = Client(http, platform.url, None)

        async def sign_up(user: User) -> None:
            body = {"email": user.email, "password": PASSWORD, "first_name": "Mix", "last_name": "User"}
            status, data = await client.call("sign-up", "POST", "/auth/register", body=body)
            assert status == 200, data
            user.user_id = data["user"]["id"]

        for start in range(0, count, 10):
            await asyncio.gather(*(sign_up(u) for u in users[start : start + 10]))
    import psycopg

    with psycopg.connect(platform.database_url.replace("+asyncpg", ""), autocommit=True) as conn:
        conn.execute("UPDATE auth.users SET plan = 'premium' WHERE email LIKE 'mix-%%'")
    return users


async def wait_until_trading(platform: Platform, user: User, timeout_s: float = 600) -> None:
    """Until candles are stored (the bootstrap) and the broker has a price (an order fills)."""
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as http:
        client = Client(http, platform.url, None)
        await client.sign_in(user)
        order = {
            "symbol": "BTCUSD",
            "side": "ORDER_SIDE_BUY",
            "amount": "0.01",
            "amount_unit": "AMOUNT_UNIT_LOTS",
        }
        while time.monotonic() < deadline:
            status, candles = await client.call(
                "", "GET", "/trading/candles/BTCUSD?tf=5m&limit=10", user.token
            )
            if status == 200 and candles.get("candles"):
                status, _ = await client.call("", "POST", "/trading/paper/orders", user.token, order)
                if status == 200:
                    return
            await asyncio.sleep(1)
    raise RuntimeError("the platform never served candles and a paper order")


async def user_loop(client: Client, user: User, start: asyncio.Event, deadline: list[float]) -> None:
    await client.sign_in(user)
    channel = f"user:{user.user_id}:trades"
    async with client.http.ws_connect(
        client.url.replace("http", "ws") + "/ws", protocols=("trading.v1", f"bearer.{user.token}")
    ) as ws:
        await ws.receive_json()  # ready
        await ws.send_json({"type": "subscribe", "channels": [channel]})
        await ws.receive_json()  # subscribed

        async def count_events() -> None:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT and '"event"' in message.data:
                    assert client.stats is not None
                    client.stats.events += 1

        reader = asyncio.create_task(count_events())
        await start.wait()
        sides = ("ORDER_SIDE_BUY", "ORDER_SIDE_SELL")
        rounds = 0
        while time.monotonic() < deadline[0]:
            await client.call("candles", "GET", "/trading/candles/BTCUSD?tf=5m&limit=100", user.token)
            await client.call("signals", "GET", "/ml/scorecard?symbol=BTCUSD", user.token)
            order = {
                "symbol": "BTCUSD",
                "side": sides[rounds % 2],
                "amount": "0.01",
                "amount_unit": "AMOUNT_UNIT_LOTS",
            }
            await client.call("paper order", "POST", "/trading/paper/orders", user.token, order)
            await client.call("positions", "GET", "/trading/paper/positions", user.token)
            rounds += 1
            if rounds % 20 == 0:
                await client.sign_in(user)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


async def run_mix(platform: Platform, users: int, seconds: float) -> Stats:
    people = await prepare_users(platform, users)
    await wait_until_trading(platform, people[0])
    stats = Stats()
    start = asyncio.Event()
    deadline = [0.0]
    async with contextlib.AsyncExitStack() as sessions:
        loops = []
        for index, user in enumerate(people):
            http = await sessions.enter_async_context(own_address_session(index))
            loops.append(
                asyncio.create_task(user_loop(Client(http, platform.url, stats), user, start, deadline))
            )
        await asyncio.sleep(2)  # every user signed in and subscribed
        stats.latencies.clear()
        stats.errors.clear()
        cpu = CpuShare(platform.pids)
        cpu.start()
        t0 = time.monotonic()
        deadline[0] = t0 + seconds
        start.set()
        await asyncio.gather(*loops)
        stats.seconds = time.monotonic() - t0
        stats.cpu = cpu.stop()
    return stats


async def fanout(platform: Platform, clients: int, processes: int, seconds: float = 10.0) -> list[float]:
    """Delays (ms) from each price's timestamp to its receipt, over every client; the clients are
    spread over `processes` receiving processes (bench/fanout_receivers.py)."""
    user = (await prepare_users(platform, 1))[0]
    async with own_address_session(999) as http:
        await Client(http, platform.url, None).sign_in(user)
    delays, refused = await fan_out(platform.url, user.token, clients, processes, seconds)
    if refused:
        print(f"fan-out: {clients - len(refused)} clients connected, {len(refused)} refused "
              f"({Counter(refused)})", flush=True)  # fmt: skip
    return delays


def row(label: str, stats: Stats, baseline: Stats | None) -> str:
    every = stats.every()
    orders = stats.latencies.get("paper order", [0.0])
    ratio = f"{stats.per_s / baseline.per_s:5.2f}x" if baseline else "  1.00x"
    errors = sum(stats.errors.values())
    return (
        f"{label:<34} {stats.per_s:7.0f} {percentile(every, 0.5):7.0f} {percentile(every, 0.95):7.0f} "
        f"{percentile(every, 0.99):7.0f} {percentile(orders, 0.95):9.0f} {errors:7d} "
        f"{stats.events:7d}  {ratio}"
    )


@contextlib.contextmanager
def _dir(root: Path, name: str) -> Iterator[Path]:
    path = root / name
    path.mkdir()
    yield path


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--runs", default="a1,a2,s1,s2")
    parser.add_argument("--fanout", type=int, default=1000, help="WebSocket clients (0: skip)")
    parser.add_argument(
        "--fanout-processes", default="4", help="receiving processes; several (1,4): one fan-out each"
    )
    args = parser.parse_args(argv if argv is not None else [])
    load = os.getloadavg()[0]
    print(
        f"user mix through Envoy, {args.users} users, {args.seconds:.0f} s a run, PostgreSQL + Redis, "
        f"{os.cpu_count()} cores, load average {load:.1f} at the start"
    )
    columns = ("req/s", "p50 ms", "p95 ms", "p99 ms", "order p95", "errors", "ws evts")
    header = f"{'':<34} " + " ".join(f"{c:>{max(7, len(c))}}" for c in columns) + "  ratio"
    print(header, flush=True)
    baseline: Stats | None = None
    fanouts: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for key in args.runs.split(","):
            label, start = RUNS[key]
            with _dir(Path(tmp), key) as data_dir, start(data_dir) as platform:
                stats = await run_mix(platform, args.users, args.seconds)
                print(row(label, stats, baseline), flush=True)
                print(f"{'':<34} {describe(stats.cpu, stats.seconds)}", flush=True)
                per_request = {k: v * 1000 / len(stats.every()) for k, v in stats.cpu.items()}
                print(
                    f"{'':<34} CPU ms per request: platform {per_request.get('platform (python)', 0):.2f}, "
                    f"postgres {per_request.get('postgres (every backend)', 0):.2f}, "
                    f"envoy {per_request.get('envoy', 0):.2f}",
                    flush=True,
                )
                if stats.errors:
                    print(f"{'':<34} errors by request: {dict(stats.errors)}", flush=True)
                baseline = baseline or stats
                if args.fanout and key.startswith("a"):
                    for processes in map(int, args.fanout_processes.split(",")):
                        delays = await fanout(platform, args.fanout, processes)
                        fanouts[f"{label}, {processes} receiving processes"] = delays
    for label, delays in fanouts.items():
        if delays:
            print(
                f"WebSocket fan-out, {args.fanout} clients through Envoy, {label}: "
                f"p50 {percentile(delays, 0.5):.0f} ms, p99 {percentile(delays, 0.99):.0f} ms "
                f"({len(delays)} deliveries)"
            )
    print(f"load average {os.getloadavg()[0]:.1f} at the end (measured under load)")


if __name__ == "__main__":
    import sys

    asyncio.run(main(sys.argv[1:]))
