"""A user of the split run, through Envoy as a browser or app reaches it (REST and the WebSocket)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import aiohttp

PASSWORD = "a long passphrase 1"
BOUND_S = 120.0  # a generous bound for a loaded machine; never asserted as a duration


async def eventually(check: Callable[[], Awaitable[Any]], what: str, bound_s: float = BOUND_S) -> Any:
    """Poll `check` until it returns something truthy, within a generous bound."""
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        if result := await check():
            return result
        await asyncio.sleep(0.1)
    raise AssertionError(f"never: {what}")


def claims(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


def session() -> aiohttp.ClientSession:
    """An HTTP client whose every request ends within 30 s, whatever the platform does."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))


class Client:
    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url, self.session, self.token = url, session, ""

    async def send(
        self, method: str, path: str, body: Any = None, *, token: str | None = None
    ) -> tuple[int, Any]:
        bearer = self.token if token is None else token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        url = path if path.startswith("http") else self.url + path
        try:
            async with self.session.request(method, url, json=body, headers=headers) as reply:
                text = await reply.text()
                try:
                    return reply.status, json.loads(text) if text.strip() else {}
                except json.JSONDecodeError:
                    return reply.status, {"text": text}
        except (aiohttp.ClientError, ConnectionError, TimeoutError):
            return 0, {}

    async def sign_up(self, mail_dir: Path) -> dict[str, Any]:
        """Register, follow the verification link from the mail, refresh for a verified token."""
        email = f"ana-{uuid.uuid4().hex[:8]}@example.com"
        body = {"email": email, "password": PASSWORD, "first_name": "Ana", "last_name": "Ruiz"}
        status, registered = await self.send("POST", "/auth/register", body, token="")
        assert status == 200, registered

        def mailed_token() -> str | None:
            for path in mail_dir.glob("*.eml"):
                mail = message_from_bytes(path.read_bytes(), policy=policy.default)
                text = mail.get_content()  # type: ignore[attr-defined]
                if mail["To"] == email and "token=" in text:
                    return str(text.split("token=", 1)[1].split()[0])
            return None

        async def link_token() -> str | None:
            return await asyncio.to_thread(mailed_token)

        token = await eventually(link_token, "the verification mail")
        status, verified = await self.send("POST", "/auth/verify-email", {"token": token}, token="")
        assert status == 200, verified
        refresh = registered["tokens"]["refresh_token"]
        status, renewed = await self.send("POST", "/auth/refresh", {"refresh_token": refresh}, token="")
        assert status == 200, renewed
        assert claims(renewed["access_token"])["email_verified"] is True
        self.token = renewed["access_token"]
        return {"user_id": registered["user"]["id"], "tokens": renewed}

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        status, renewed = await self.send("POST", "/auth/refresh", {"refresh_token": refresh_token}, token="")
        assert status == 200, renewed
        self.token = renewed["access_token"]
        return dict(renewed)


async def subscribe(ws: aiohttp.ClientWebSocketResponse, *channels: str) -> None:
    assert (await ws.receive_json(timeout=60))["type"] == "ready"
    await ws.send_json({"type": "subscribe", "channels": list(channels)})
    assert (await ws.receive_json(timeout=60)) == {"type": "subscribed", "channels": list(channels)}


async def next_event(
    ws: aiohttp.ClientWebSocketResponse, kind: str, bound_s: float = BOUND_S
) -> dict[str, Any]:
    """The next event of type `kind` on the socket (other frames and events skipped)."""
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        frame = await ws.receive_json(timeout=max(0.1, deadline - time.monotonic()))
        if frame.get("type") == "event" and frame["event"]["type"] == kind:
            return dict(frame["event"])
    raise AssertionError(f"no {kind} event")
