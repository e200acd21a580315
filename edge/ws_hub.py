"""The WebSocket hub: browsers subscribe to bus channels and get their events as JSON.

One bus subscription per channel, however many browsers watch it; each message is decoded once
and queued to every watcher. A watcher that falls `queue_size` messages behind is disconnected
(close code 1013, "try again later") rather than slowing everyone else down.

Protocol (JSON text frames). The token comes in the `Sec-WebSocket-Protocol` header
(`trading.v1, bearer.<jwt>`; the server selects `trading.v1`) or in the first message; never in
the URL, which ends up in logs.

    -> {"type": "auth", "token": "<jwt>"}          first message, or again to extend the session
    <- {"type": "ready", "user_id": "42", "expires_at": 1700000000}
    -> {"type": "subscribe", "channels": ["ticker:EURUSD", "user:42:trades"]}
    <- {"type": "subscribed", "channels": [...]}    and one error per refused channel:
    <- {"type": "error", "code": "PERMISSION_DENIED", "reason": "NOT_OWNER", "channel": "user:7:trades"}
    -> {"type": "unsubscribe", "channels": [...]}   <- {"type": "unsubscribed", "channels": [...]}
    <- {"type": "event", "channel": "ticker:EURUSD", "event": {...trading.events.v1.Event as JSON}}
    -> {"type": "ping"}                             <- {"type": "pong"}

Close codes: 4401 no valid token (or it expired, or its sessions were ended: reason
SESSION_REVOKED, within seconds of a password change, a logout everywhere or a disabled account),
4400 a malformed message, 1013 too slow.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web
from google.protobuf import json_format
from trading.events.v1 import events_envelope_pb2

from core.bus import Bus, Message
from core.errors import Unauthenticated
from core.keys import KeyStore
from core.revocation import CLAIM, SessionVersions
from edge.channels import ChatOwnerCheck, may_subscribe

log = logging.getLogger("edge.ws")

SUBPROTOCOL = "trading.v1"
TOKEN_PROTOCOL_PREFIX = "bearer."
AUTH_TIMEOUT_S = 10.0
MAX_CHANNELS = 64
CLOSE_UNAUTHENTICATED = 4401
CLOSE_BAD_MESSAGE = 4400
CLOSE_TRY_AGAIN_LATER = 1013


def hub_socket() -> web.WebSocketResponse:
    """A hub WebSocket. No per-message compression (permessage-deflate), though browsers offer
    it: an event is encoded once for all its watchers, but deflate would run once per watcher
    and frame (1,000 watchers of a ticker: 1,000 compressions of every price), and event
    frames are a few hundred bytes."""
    return web.WebSocketResponse(
        protocols=(SUBPROTOCOL,), heartbeat=30.0, max_msg_size=64 * 1024, compress=False
    )


def event_json(message: Message) -> str:
    """The frame for one bus message: the Event envelope as proto3 JSON."""
    event = events_envelope_pb2.Event.FromString(message.data)
    body = json_format.MessageToDict(
        event, always_print_fields_with_no_presence=True, preserving_proto_field_name=True
    )
    return json.dumps({"type": "event", "channel": message.channel, "event": body}, separators=(",", ":"))


class Watcher:
    """One connected browser's outgoing queue."""

    def __init__(self, ws: web.WebSocketResponse, queue_size: int) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[str] = asyncio.Queue(queue_size)
        self.overflowed = asyncio.Event()

    def deliver(self, frame: str) -> None:
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.overflowed.set()

    async def send(self, payload: dict[str, Any]) -> None:
        self.deliver(json.dumps(payload, separators=(",", ":")))

    async def pump(self) -> None:
        """Write queued frames to the socket until it closes."""
        while not self.ws.closed:
            frame = await self.queue.get()
            await self.ws.send_str(frame)


class _Feed:
    """The bus subscription of one channel and who watches it."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.watchers: set[Watcher] = set()
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.task: asyncio.Task[None] | None = None


class Hub:
    """Shares bus subscriptions between watchers, one per channel, dropped with the last watcher."""

    def __init__(self, bus: Bus, encode: Callable[[Message], str] = event_json) -> None:
        self.bus = bus
        self.encode = encode
        self._feeds: dict[str, _Feed] = {}

    @property
    def channels(self) -> list[str]:
        return sorted(self._feeds)

    async def join(self, watcher: Watcher, channel: str) -> None:
        """Add a watcher; returns once the bus subscription is live."""
        feed = self._feeds.get(channel)
        if feed is None:
            feed = self._feeds[channel] = _Feed(channel)
            feed.task = asyncio.create_task(self._run(feed), name=f"ws-feed {channel}")
        feed.watchers.add(watcher)
        await asyncio.shield(feed.ready)

    def leave(self, watcher: Watcher, channel: str) -> None:
        feed = self._feeds.get(channel)
        if feed is None:
            return
        feed.watchers.discard(watcher)
        if not feed.watchers:
            del self._feeds[channel]
            if feed.task is not None:
                feed.task.cancel()

    def leave_all(self, watcher: Watcher) -> None:
        for channel in list(self._feeds):
            self.leave(watcher, channel)

    async def _run(self, feed: _Feed) -> None:
        try:
            async with self.bus.subscribe(feed.channel) as sub:
                feed.ready.set_result(None)
                async for message in sub:
                    self._fan_out(feed, message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("bus subscription failed", extra={"fields": {"channel": feed.channel}})
            if not feed.ready.done():
                feed.ready.set_exception(exc)
            self._feeds.pop(feed.channel, None)

    def _fan_out(self, feed: _Feed, message: Message) -> None:
        try:
            frame = self.encode(message)
        except Exception:
            log.warning("undecodable event dropped", extra={"fields": {"channel": message.channel}})
            return
        for watcher in list(feed.watchers):
            watcher.deliver(frame)

    async def close(self) -> None:
        tasks = [f.task for f in self._feeds.values() if f.task is not None]
        self._feeds.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _token_from_protocols(request: web.Request) -> str | None:
    offered = request.headers.get("Sec-WebSocket-Protocol", "")
    for item in (p.strip() for p in offered.split(",")):
        if item.startswith(TOKEN_PROTOCOL_PREFIX):
            return item[len(TOKEN_PROTOCOL_PREFIX) :]
    return None


class _Closing(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Sessions:
    """The open WebSocket sessions of each user, closed when that user's sessions are revoked."""

    def __init__(self, versions: SessionVersions | None) -> None:
        self.versions = versions
        self._by_user: dict[str, set[WebSocketSession]] = {}
        if versions is not None:
            versions.on_revoke(self.revoke)

    def add(self, session: WebSocketSession) -> None:
        self._by_user.setdefault(session.user_id, set()).add(session)

    def discard(self, session: WebSocketSession) -> None:
        held = self._by_user.get(session.user_id)
        if held is not None:
            held.discard(session)
            if not held:
                del self._by_user[session.user_id]

    def revoke(self, user_id: str, version: int) -> None:
        for session in list(self._by_user.get(user_id, ())):
            if session.version < version:
                session.revoked.set()

    async def check(self, claims: dict[str, Any]) -> None:
        if self.versions is not None:
            await self.versions.check(claims)


class WebSocketSession:
    """One browser connection: authentication, subscriptions and the receive loop."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        hub: Hub,
        keys: KeyStore,
        chat_owner: ChatOwnerCheck,
        queue_size: int,
        sessions: Sessions | None = None,
    ) -> None:
        self.ws = ws
        self.hub = hub
        self.keys = keys
        self.chat_owner = chat_owner
        self.sessions = sessions or Sessions(None)
        self.watcher = Watcher(ws, queue_size)
        self.user_id = ""
        self.version = 0
        self.expires_at = 0.0
        self.subscribed: set[str] = set()
        self.revoked = asyncio.Event()

    async def _authenticate(self, token: str) -> None:
        try:
            claims = self.keys.verify_access_token(token)
            await self.sessions.check(claims)
        except Unauthenticated as e:
            await self.ws.send_json(_unauthenticated(e.reason))
            raise _Closing(CLOSE_UNAUTHENTICATED, e.reason) from e
        if self.user_id and claims["sub"] != self.user_id:
            raise _Closing(CLOSE_UNAUTHENTICATED, "TOKEN_OF_ANOTHER_USER")
        self.sessions.discard(self)
        self.user_id = str(claims["sub"])
        self.version = int(claims.get(CLAIM, 0))
        self.sessions.add(self)
        self.expires_at = float(claims["exp"])
        await self.watcher.send(
            {"type": "ready", "user_id": self.user_id, "expires_at": int(self.expires_at)}
        )

    async def _receive(self, timeout: float) -> dict[str, Any] | None:
        """The next JSON message; None when the socket closed."""
        msg = await self.ws.receive(timeout=max(timeout, 0.001))
        if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            return None
        if msg.type != WSMsgType.TEXT:
            raise _Closing(CLOSE_BAD_MESSAGE, "TEXT_FRAMES_ONLY")
        try:
            data = json.loads(msg.data)
        except ValueError as e:
            raise _Closing(CLOSE_BAD_MESSAGE, "NOT_JSON") from e
        if not isinstance(data, dict):
            raise _Closing(CLOSE_BAD_MESSAGE, "NOT_AN_OBJECT")
        return data

    async def run(self, token: str | None) -> None:
        pump = asyncio.create_task(self.watcher.pump())
        overflow = asyncio.create_task(self.watcher.overflowed.wait())
        try:
            if token is None:
                first = await self._receive(AUTH_TIMEOUT_S)
                if first is None:
                    return
                if first.get("type") != "auth" or not isinstance(first.get("token"), str):
                    raise _Closing(CLOSE_UNAUTHENTICATED, "AUTH_FIRST")
                token = first["token"]
            await self._authenticate(token)
            await self._loop(overflow)
        except _Closing as closing:
            await self.ws.close(code=closing.code, message=closing.reason.encode())
        except TimeoutError:
            await self.ws.close(code=CLOSE_UNAUTHENTICATED, message=b"AUTH_TIMEOUT")
        finally:
            self.sessions.discard(self)
            self.hub.leave_all(self.watcher)
            pump.cancel()
            overflow.cancel()

    async def _loop(self, overflow: asyncio.Task[Any]) -> None:
        revoked = asyncio.create_task(self.revoked.wait())
        try:
            await self._receive_until_closed(overflow, revoked)
        finally:
            revoked.cancel()

    async def _receive_until_closed(self, overflow: asyncio.Task[Any], revoked: asyncio.Task[Any]) -> None:
        while not self.ws.closed:
            remaining = self.expires_at - self.keys.clock.now().timestamp()
            if remaining <= 0:
                await self.ws.send_json(_unauthenticated("TOKEN_EXPIRED"))
                raise _Closing(CLOSE_UNAUTHENTICATED, "TOKEN_EXPIRED")
            receive = asyncio.create_task(self._receive(remaining))
            await asyncio.wait({receive, overflow, revoked}, return_when=asyncio.FIRST_COMPLETED)
            if overflow.done():
                receive.cancel()
                raise _Closing(CLOSE_TRY_AGAIN_LATER, "TOO_SLOW")
            if revoked.done():
                receive.cancel()
                await self.ws.send_json(_unauthenticated("SESSION_REVOKED"))
                raise _Closing(CLOSE_UNAUTHENTICATED, "SESSION_REVOKED")
            try:
                data = receive.result()
            except TimeoutError:
                continue  # the token expired: checked at the top
            if data is None:
                return
            await self._handle(data)

    async def _handle(self, data: dict[str, Any]) -> None:
        kind = data.get("type")
        if kind == "ping":
            await self.watcher.send({"type": "pong"})
        elif kind == "auth" and isinstance(data.get("token"), str):
            await self._authenticate(data["token"])
        elif kind in ("subscribe", "unsubscribe") and _is_str_list(data.get("channels")):
            if kind == "subscribe":
                await self._subscribe(data["channels"])
            else:
                self._unsubscribe(data["channels"])
        else:
            raise _Closing(CLOSE_BAD_MESSAGE, "UNKNOWN_MESSAGE")

    async def _subscribe(self, channels: list[str]) -> None:
        added = []
        for channel in dict.fromkeys(channels):
            verdict = await may_subscribe(channel, self.user_id, self.chat_owner)
            if not verdict.allowed:
                await self._error("PERMISSION_DENIED", verdict.reason, channel)
            elif channel not in self.subscribed and len(self.subscribed) >= MAX_CHANNELS:
                await self._error("RESOURCE_EXHAUSTED", "TOO_MANY_CHANNELS", channel)
            else:
                await self.hub.join(self.watcher, channel)
                self.subscribed.add(channel)
                added.append(channel)
        await self.watcher.send({"type": "subscribed", "channels": added})

    def _unsubscribe(self, channels: list[str]) -> None:
        removed = [c for c in dict.fromkeys(channels) if c in self.subscribed]
        for channel in removed:
            self.hub.leave(self.watcher, channel)
            self.subscribed.discard(channel)
        self.watcher.deliver(json.dumps({"type": "unsubscribed", "channels": removed}))

    async def _error(self, code: str, reason: str, channel: str) -> None:
        await self.watcher.send({"type": "error", "code": code, "reason": reason, "channel": channel})


def _unauthenticated(reason: str) -> dict[str, str]:
    return {"type": "error", "code": "UNAUTHENTICATED", "reason": reason}


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def websocket_handler(
    hub: Hub,
    keys: KeyStore,
    chat_owner: ChatOwnerCheck,
    *,
    queue_size: int = 256,
    sessions: Sessions | None = None,
) -> Callable[[web.Request], Any]:
    """The aiohttp handler of GET /ws."""

    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws = hub_socket()
        await ws.prepare(request)
        session = WebSocketSession(ws, hub, keys, chat_owner, queue_size, sessions)
        await session.run(_token_from_protocols(request))
        if not ws.closed:
            await ws.close()
        return ws

    return handle
