"""Billing served on a real gRPC server behind the chassis interceptor, and the edge in front of
it for `/payments/webhook`, on loopback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
from aiohttp.test_utils import TestClient, TestServer
from trading.billing.v1 import billing_service_pb2_grpc

from app.credentials import InternalKeyVerifier
from core.auth import Authenticator
from core.clients import ClientFactory
from core.interceptor import ChassisInterceptor
from core.server import create_server
from core.settings import Settings
from edge import create_app
from svc_billing.service import BillingServicer
from tests.billing.conftest import WEBHOOK_SECRET, World

SERVICE_KEY = "tk_int_test_billing_key"
BILLING = "trading.billing.v1.BillingService"


@dataclass
class Served:
    world: World
    channel: grpc.aio.Channel
    stub: billing_service_pb2_grpc.BillingServiceStub
    edge: TestClient
    server: Any
    clients: ClientFactory

    def user(self, user_id: str = "u1", **claims: Any) -> tuple[tuple[str, str], ...]:
        """A signed-in user whose email is verified (as billing requires to move money) unless
        `email_verified=False` is given."""
        token = self.world.ctx.keys.sign_access_token(
            {"sub": user_id, "email": f"{user_id}@example.com", "roles": ["user"], "plan": "free",
             "email_verified": True, **claims}
        )  # fmt: skip
        return (("authorization", f"Bearer {token}"),)

    service = (("x-api-key", SERVICE_KEY),)

    async def close(self) -> None:
        await self.edge.close()
        await self.clients.close()
        await self.channel.close()
        await self.server.stop(0)


async def serve(world: World) -> Served:
    interceptor = ChassisInterceptor(
        Authenticator(world.ctx.keys, InternalKeyVerifier(SERVICE_KEY)), world.ctx.kv
    )
    servicer = BillingServicer(world.billing)
    server, port = await create_server(
        "127.0.0.1:0",
        [(billing_service_pb2_grpc.add_BillingServiceServicer_to_server, servicer)],
        [BILLING],
        interceptors=[interceptor],
    )
    settings = Settings(grpc_host="127.0.0.1", grpc_port=port)
    clients = ClientFactory(settings, world.clock, api_key=SERVICE_KEY)
    app = create_app(
        settings, world.ctx.bus, world.ctx.keys, clients.channel, services=[BILLING],
        billing=clients.stub(billing_service_pb2_grpc.BillingServiceStub, "billing"),
        stripe_webhook_secret=WEBHOOK_SECRET, clock=world.clock,
    )  # fmt: skip
    edge = TestClient(TestServer(app))
    await edge.start_server()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    return Served(world, channel, billing_service_pb2_grpc.BillingServiceStub(channel), edge, server, clients)
