"""The whole platform in-process, as `trading up` assembles it (SQLite, in-process bus), once per
module, plus the means to call any RPC by name as anonymous, a user, another user or an admin."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
from google.protobuf import descriptor_pool, message_factory
from google.rpc import error_details_pb2, status_pb2

from app.migrate import migrate
from app.registry import load_specs
from app.runtime import Runtime, make_context
from core.access import load_contracts
from core.service import ServiceContext, ServiceSpec
from core.settings import Settings

CALLERS = ("anonymous", "owner", "other", "admin")
ROLES = {"owner": ["user"], "other": ["user"], "admin": ["admin", "user"]}
SUBJECTS = {"owner": "0" * 31 + "1", "other": "0" * 31 + "2", "admin": "0" * 31 + "3"}


@dataclass(frozen=True)
class Outcome:
    """How one call ended: a status code and the ErrorInfo reason, if any."""

    code: grpc.StatusCode
    reason: str = ""
    reply: Any = None

    @property
    def door_opened(self) -> bool:
        return self.code not in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)


def reason_of(error: grpc.aio.AioRpcError) -> str:
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info.reason
    return ""


@dataclass
class Platform:
    """The running platform and a channel to it."""

    ctx: ServiceContext
    channel: grpc.aio.Channel
    tokens: dict[str, str]

    def metadata(self, caller: str) -> tuple[tuple[str, str], ...]:
        token = self.tokens.get(caller)
        return (("authorization", f"Bearer {token}"),) if token else ()

    async def call(
        self, full_method: str, request: Any = None, *, caller: str, timeout: float = 5.0
    ) -> Outcome:
        """Call `/pkg.Service/Method` with `request` (default: an empty one of the right type);
        a server stream is read up to its first message."""
        service, _, name = full_method.lstrip("/").partition("/")
        load_contracts()
        method = descriptor_pool.Default().FindMethodByName(f"{service}.{name}")
        request_class = message_factory.GetMessageClass(method.input_type)
        reply_class = message_factory.GetMessageClass(method.output_type)
        request = request if request is not None else request_class()
        kwargs: dict[str, Any] = {
            "request_serializer": request_class.SerializeToString,
            "response_deserializer": reply_class.FromString,
        }
        md = self.metadata(caller)
        try:
            if method.server_streaming:
                call = self.channel.unary_stream(full_method, **kwargs)(request, metadata=md, timeout=timeout)
                async for first in call:
                    call.cancel()
                    return Outcome(grpc.StatusCode.OK, reply=first)
                return Outcome(grpc.StatusCode.OK)
            reply = await self.channel.unary_unary(full_method, **kwargs)(
                request, metadata=md, timeout=timeout
            )
            return Outcome(grpc.StatusCode.OK, reply=reply)
        except grpc.aio.AioRpcError as e:
            return Outcome(e.code(), reason_of(e))


async def start_platform(
    tmp_path: Path, extra: list[ServiceSpec] | None = None
) -> tuple[Platform, Callable[[], Awaitable[None]]]:
    settings = Settings(data_dir=tmp_path, grpc_host="127.0.0.1", grpc_port=0)
    specs = load_specs()
    migrate(settings, specs)
    ctx = make_context(settings)
    runtime = Runtime(ctx, [*specs, *(extra or [])], "test")
    port = await runtime.start("127.0.0.1:0")
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    tokens = {
        caller: ctx.keys.sign_access_token(
            {
                "sub": SUBJECTS[caller],
                "email": f"{caller}@example.com",
                "email_verified": True,
                "roles": ROLES[caller],
                "plan": "premium",
            }
        )
        for caller in ROLES
    }

    async def stop() -> None:
        await channel.close()
        await runtime.stop(0)

    return Platform(ctx, channel, tokens), stop


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def platform(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:
    running, stop = await start_platform(tmp_path_factory.mktemp("rbac"))
    yield running
    await stop()
