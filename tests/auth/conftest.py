"""svc_auth on a real grpc.aio server (port 0) behind the chassis interceptor, on both databases."""

from __future__ import annotations

import asyncio
import email
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import grpc
import pytest
from trading.auth.v1 import auth_messages_pb2 as m
from trading.auth.v1 import auth_service_pb2_grpc

from core.auth import Authenticator
from core.bus import InProcessBus
from core.clock import TestClock
from core.interceptor import ChassisInterceptor
from core.keys import KeyStore
from core.kv import KeyValue, MemoryKeyValue
from core.outbox import OutboxRelay
from core.revocation import SessionVersions
from core.server import create_server
from core.settings import Settings
from svc_auth.config import AuthSettings
from svc_auth.deps import AuthDeps
from svc_auth.mailer import FileMailer, MailDispatcher
from svc_auth.models import OUTBOX, Base
from svc_auth.passwords import Passwords
from svc_auth.wiring import make_servicer

ISSUER = "https://trading.test"
AUDIENCE = "trading-api"
PASSWORD = "correct horse battery"
PROXY_SECRET = "the proxy secret of this test"


def cheap_settings(**overrides: Any) -> AuthSettings:
    """Argon2 at a test-only cost; production defaults stay at OWASP's parameters."""
    values: dict[str, Any] = {
        "argon2_memory_kib": 256,
        "argon2_time_cost": 1,
        "proxy_secret": PROXY_SECRET,
        **overrides,
    }
    return AuthSettings(**values)


@dataclass
class AuthEnv:
    """A running svc_auth and what a test needs to drive it."""

    deps: AuthDeps
    stub: auth_service_pb2_grpc.AuthServiceStub
    clock: TestClock
    keys: KeyStore
    mail_dir: Path
    port: int
    relay: OutboxRelay
    dispatcher: MailDispatcher
    sessions: SessionVersions
    _read: set[str] = field(default_factory=set)

    async def deliver(self) -> None:
        """What the background tasks do: publish the committed outbox, then send the stream."""
        await self.relay.drain()
        await self.dispatcher.pump()

    async def mails(self) -> list[EmailMessage]:
        """Messages sent since the last call, oldest first."""
        await self.deliver()
        new = sorted(
            (p for p in self.mail_dir.glob("*.eml") if p.name not in self._read),
            key=lambda p: p.stat().st_mtime_ns,
        )
        self._read.update(p.name for p in new)
        return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in new]  # type: ignore[misc]

    async def register(
        self, address: str = "ana@example.com", password: str = PASSWORD
    ) -> m.RegisterResponse:
        return await self.stub.Register(
            m.RegisterRequest(email=address, password=password, first_name="Ana", last_name="Diaz")
        )

    async def verified_user(
        self, address: str = "ana@example.com", password: str = PASSWORD
    ) -> m.RegisterResponse:
        reply = await self.register(address, password)
        token = verification_token((await self.mails())[-1])
        await self.stub.VerifyEmail(m.VerifyEmailRequest(token=token))
        return reply

    async def login(
        self, address: str = "ana@example.com", password: str = PASSWORD, ip: str = ""
    ) -> m.LoginResponse:
        md = proxied(ip) if ip else None
        return await self.stub.Login(m.LoginRequest(email=address, password=password), metadata=md)

    async def proof(self, access: str, password: str = PASSWORD, code: str = "") -> str:
        """A reauth token from ConfirmIdentity for the user of `access`."""
        reply = await self.stub.ConfirmIdentity(
            m.ConfirmIdentityRequest(password=password, two_factor_code=code), metadata=bearer(access)
        )
        return reply.reauth_token

    async def make_admin(self, user_id: str) -> None:
        from svc_auth import admin

        await admin.set_roles(self.deps, "", user_id, ["admin"])


def proxied(ip: str) -> tuple[tuple[str, str], ...]:
    """What Envoy adds to a call from `ip`: the client address and the proxy secret."""
    return (("x-envoy-external-address", ip), ("x-trading-proxy-secret", PROXY_SECRET))


def verification_token(message: EmailMessage) -> str:
    body = message.get_content()
    return body.split("token=", 1)[1].split()[0]


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


def api_key(key: str) -> tuple[tuple[str, str], ...]:
    return (("x-api-key", key),)


async def start_auth(
    db: Any, tmp_path: Path, kv: KeyValue | None = None, settings: AuthSettings | None = None
) -> tuple[AuthEnv, Callable]:
    clock = TestClock()
    keys = KeyStore.ephemeral(ISSUER, AUDIENCE, clock)
    auth_settings = settings or cheap_settings()
    platform = Settings(data_dir=tmp_path, jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
    mail_dir = tmp_path / "mail"
    bus = InProcessBus()
    deps = AuthDeps(
        db=db, bus=bus, keys=keys, kv=kv or MemoryKeyValue(clock), clock=clock, settings=auth_settings,
        platform=platform, passwords=Passwords(auth_settings), mailer=FileMailer(mail_dir),
    )  # fmt: skip
    servicer = make_servicer(deps)
    sessions = SessionVersions(deps.kv, bus, clock)
    listening = asyncio.get_running_loop().create_future()
    listener = asyncio.create_task(sessions.listen(lambda: listening.set_result(None)))
    await listening
    interceptor = ChassisInterceptor(Authenticator(keys, servicer.verifier, sessions), deps.kv)
    server, port = await create_server(
        "127.0.0.1:0",
        [(auth_service_pb2_grpc.add_AuthServiceServicer_to_server, servicer)],
        ["trading.auth.v1.AuthService"],
        interceptors=[interceptor],
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    relay = OutboxRelay(db, bus, [OUTBOX], clock)
    dispatcher = MailDispatcher(db, bus, deps.mailer, clock, consumer="test")
    stub = auth_service_pb2_grpc.AuthServiceStub(channel)
    env = AuthEnv(deps, stub, clock, keys, mail_dir, port, relay, dispatcher, sessions)

    async def stop() -> None:
        listener.cancel()
        await channel.close()
        await server.stop(0)
        await bus.close()

    return env, stop


@pytest.fixture
async def auth(make_database: Callable, tmp_path: Path) -> AsyncIterator[AuthEnv]:
    db = await make_database(Base.metadata)
    env, stop = await start_auth(db, tmp_path)
    yield env
    await stop()


def code_of(error: grpc.aio.AioRpcError) -> grpc.StatusCode:
    return error.code()


async def rpc_error(awaitable: Any) -> grpc.aio.AioRpcError:
    """The error an RPC fails with (the test fails if it succeeds)."""
    try:
        await awaitable
    except grpc.aio.AioRpcError as e:
        return e
    raise AssertionError("the call succeeded")
