"""Loopback fakes that speak Polygon's wire formats, for the real massive client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

PAGE = 50


class FakePolygon:
    """GET /v2/aggs/ticker/{ticker}/range/5/minute/{from}/{to}, pages linked by next_url."""

    def __init__(self) -> None:
        self.rate_limited_left = 0
        self.down = False
        self.requests = 0
        self.port = 0

    async def aggs(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.down:
            return web.json_response({"status": "ERROR"}, status=503)
        if self.rate_limited_left:
            self.rate_limited_left -= 1
            return web.json_response({"status": "ERROR", "error": "too many requests"}, status=429)
        start, end = int(request.match_info["start"]) // 1000, int(request.match_info["end"]) // 1000
        first = -(-start // 300) * 300
        times = list(range(first, min(end, first + PAGE * 300), 300))
        results = [{"t": t * 1000, "o": 1.1, "h": 1.2, "l": 1.0, "c": 1.15, "v": 5} for t in times]
        body: dict = {"status": "OK", "resultsCount": len(results), "results": results}
        if times and times[-1] + 300 < end:
            ticker = request.match_info["ticker"]
            body["next_url"] = (
                f"http://127.0.0.1:{self.port}/v2/aggs/ticker/{ticker}/range/5/minute/"
                f"{(times[-1] + 300) * 1000}/{end * 1000}?cursor=abc"
            )
        return web.json_response(body)


@contextlib.asynccontextmanager
async def serve_polygon() -> AsyncIterator[FakePolygon]:
    """The aggregates fake on a free loopback port."""
    fake = FakePolygon()
    app = web.Application()
    app.router.add_get("/v2/aggs/ticker/{ticker}/range/5/minute/{start}/{end}", fake.aggs)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield fake
    finally:
        await runner.cleanup()
