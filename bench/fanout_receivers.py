"""WebSocket fan-out receivers for bench_platform, spread over several processes.

One asyncio loop reading 1,000 sockets timestamps a price only when its turn comes: the last of
the 1,000 copies of a price waits behind the other 999 in the receiving process, and that wait
would be counted as the platform's delay. Each process here holds a share of the clients,
timestamps a frame as soon as it is read from its socket and decodes it afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import time
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection

import aiohttp


@dataclass(frozen=True)
class Share:
    url: str  # Envoy
    token: str
    clients: int
    first_address: int  # own_address_session index of its first hundred clients


def receive(share: Share, pipe: Connection) -> None:
    """A receiving process: connect, report (ready, refused statuses), take the measuring window
    (wall-clock start, end), send back the delays in ms."""
    asyncio.run(_receive(share, pipe))


async def _receive(share: Share, pipe: Connection) -> None:
    from bench.load import own_address_session

    received: list[tuple[float, str]] = []
    refused: list[int] = []
    ready = asyncio.Event()
    connected = 0

    async def watch(http: aiohttp.ClientSession) -> None:
        nonlocal connected
        try:
            async with http.ws_connect(
                share.url.replace("http", "ws") + "/ws", protocols=("trading.v1", f"bearer.{share.token}")
            ) as ws:
                await ws.receive_json()
                await ws.send_json({"type": "subscribe", "channels": ["ticker:BTCUSD"]})
                await ws.receive_json()
                connected += 1
                if connected + len(refused) == share.clients:
                    ready.set()
                while True:
                    message = await ws.receive()
                    received.append((time.time(), message.data))
                    if message.type != aiohttp.WSMsgType.TEXT:
                        return
        except aiohttp.WSServerHandshakeError as error:
            refused.append(error.status)
            if connected + len(refused) == share.clients:
                ready.set()

    async with contextlib.AsyncExitStack() as stack:
        tasks = []
        for start in range(0, share.clients, 100):  # a hundred per source address
            http = await stack.enter_async_context(own_address_session(share.first_address + start // 100))
            count = min(100, share.clients - start)
            tasks += [asyncio.create_task(watch(http)) for _ in range(count)]
            await asyncio.sleep(0.5)
        await asyncio.wait_for(ready.wait(), 120)
        pipe.send((connected, refused))
        begin, end = await asyncio.to_thread(pipe.recv)
        await asyncio.sleep(max(0.0, end - time.time()))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    pipe.send(delays_ms(received, begin, end))


def delays_ms(received: list[tuple[float, str]], begin: float, end: float) -> list[float]:
    delays = []
    for at, data in received:
        if not begin <= at < end or '"occurred_at"' not in data:
            continue
        event = json.loads(data).get("event", {})
        sent = datetime.fromisoformat(event["occurred_at"]).timestamp()
        delays.append((at - sent) * 1000)
    return delays


async def fan_out(
    url: str, token: str, clients: int, processes: int, seconds: float
) -> tuple[list[float], list[int]]:
    """Delays (ms) of every price at every client over `seconds`, and the refused upgrades."""
    context = multiprocessing.get_context("spawn")
    pipes, procs = [], []
    per = -(-clients // processes)
    for k in range(processes):
        count = min(per, clients - k * per)
        if count <= 0:
            break
        mine, theirs = context.Pipe()
        share = Share(url, token, count, 1000 + k * (-(-per // 100)))
        proc = context.Process(target=receive, args=(share, theirs), name=f"fanout-{k}")
        proc.start()
        pipes.append(mine)
        procs.append(proc)
    try:
        hellos = [await asyncio.to_thread(p.recv) for p in pipes]
        refused = [status for _, statuses in hellos for status in statuses]
        begin = time.time() + 2
        for p in pipes:
            p.send((begin, begin + seconds))
        delays = [d for p in pipes for d in await asyncio.to_thread(p.recv)]
    finally:
        for proc in procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
    return delays, refused
