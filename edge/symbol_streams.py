"""The seed's per-symbol WebSockets: `/trading/stream/{symbol}` (prices) and `/ws/{symbol}` (signals).

Both are the hub's protocol (edge/ws_hub.py: the token in the `bearer.<jwt>` subprotocol or a first
`auth` message, the same frames and close codes) with the symbol's channel already subscribed once
the socket is signed in: `ticker:{symbol}` for prices, `signals:{symbol}` for the engine's signals.
A plain GET of these paths is the gRPC stream transcoded by Envoy; only the upgrade comes here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aiohttp import web

from core.keys import KeyStore
from edge.channels import ChatOwnerCheck
from edge.ws_hub import Hub, WebSocketSession, _token_from_protocols, hub_socket

PRICE_STREAM_PATH = "/trading/stream/{symbol}"
SIGNAL_STREAM_PATH = "/ws/{symbol}"
_SYMBOL = re.compile(r"[A-Za-z0-9._-]{1,32}")


class ChannelSession(WebSocketSession):
    """A hub session that subscribes to one channel as soon as it is signed in."""

    def __init__(self, *args: Any, channel: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel

    async def _authenticate(self, token: str) -> None:
        await super()._authenticate(token)
        if self.channel not in self.subscribed:
            await self._subscribe([self.channel])


def symbol_stream_handler(
    hub: Hub, keys: KeyStore, chat_owner: ChatOwnerCheck, prefix: str, *, queue_size: int = 256
) -> Callable[[web.Request], Any]:
    """GET {path} with an upgrade: the `{prefix}:{SYMBOL}` channel as a WebSocket."""

    async def handle(request: web.Request) -> web.StreamResponse:
        symbol = request.match_info["symbol"]
        if not _SYMBOL.fullmatch(symbol):
            raise web.HTTPNotFound(text="unknown symbol")
        ws = hub_socket()
        if not ws.can_prepare(request).ok:
            raise web.HTTPBadRequest(text="this path takes a WebSocket upgrade here")
        await ws.prepare(request)
        channel = f"{prefix}:{symbol.upper()}"
        session = ChannelSession(ws, hub, keys, chat_owner, queue_size, channel=channel)
        await session.run(_token_from_protocols(request))
        if not ws.closed:
            await ws.close()
        return ws

    return handle


def add_symbol_streams(app: web.Application, hub: Hub, keys: KeyStore, chat_owner: ChatOwnerCheck) -> None:
    app.router.add_get(PRICE_STREAM_PATH, symbol_stream_handler(hub, keys, chat_owner, "ticker"))
    app.router.add_get(SIGNAL_STREAM_PATH, symbol_stream_handler(hub, keys, chat_owner, "signals"))
