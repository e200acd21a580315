"""GET /metrics on the edge (every metric of the all-in-one run: of every worker process when it
has several, core/metrics.py) and the WebSocket fan-out lag."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from aiohttp import web
from trading.events.v1 import events_envelope_pb2

from core import metrics, tracing
from core.bus import Message
from core.clock import Clock
from edge.ws_hub import event_json


async def metrics_handler(request: web.Request) -> web.Response:
    body, content_type = metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": content_type, "Cache-Control": "no-store"})


def timed_encoder(clock: Clock, encode: Callable[[Message], str] = event_json) -> Callable[[Message], str]:
    """The hub's frame encoder, observing each event's age as it fans out (seed 10.1: < 500 ms)."""

    def encode_timed(message: Message) -> str:
        event = events_envelope_pb2.Event.FromString(message.data)
        kind = metrics.channel_kind(message.channel)
        with tracing.continued(f"ws fan-out {kind}", event.traceparent):
            frame = encode(message)
        if event.HasField("occurred_at"):
            lag_s = (clock.now() - event.occurred_at.ToDatetime(tzinfo=UTC)).total_seconds()
            metrics.WS_FANOUT_LAG.labels(metrics.channel_kind(message.channel)).observe(max(0.0, lag_s))
        return frame

    return encode_timed


def add_metrics_route(app: web.Application) -> None:
    app.router.add_get("/metrics", metrics_handler)
