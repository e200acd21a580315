"""Assembles svc_auth from a ServiceContext and its settings."""

from __future__ import annotations

import logging

from trading.auth.v1 import auth_service_pb2_grpc

from core.outbox import OutboxRelay
from core.service import BuiltService, ServiceContext
from svc_auth.config import AuthSettings
from svc_auth.credentials import DatabaseCredentialVerifier
from svc_auth.deps import AuthDeps
from svc_auth.mailer import MailDispatcher, Mailer, make_mailer
from svc_auth.models import OUTBOX
from svc_auth.oauth import OAuth
from svc_auth.passwords import Passwords
from svc_auth.service import AuthServicer

log = logging.getLogger(__name__)


def make_deps(ctx: ServiceContext, settings: AuthSettings, mailer: Mailer | None = None) -> AuthDeps:
    settings = settings.with_public_links(ctx.settings.public_url)
    return AuthDeps(
        db=ctx.db,
        bus=ctx.bus,
        keys=ctx.keys,
        kv=ctx.kv,
        clock=ctx.clock,
        settings=settings,
        platform=ctx.settings,
        passwords=Passwords(settings),
        mailer=mailer or make_mailer(settings, ctx.settings.data_dir),
    )


def make_servicer(deps: AuthDeps) -> AuthServicer:
    internal = deps.platform.internal_api_key
    verifier = DatabaseCredentialVerifier(deps.db, internal.get_secret_value() if internal else "")
    return AuthServicer(deps, OAuth(deps), verifier)


async def build(ctx: ServiceContext, settings: AuthSettings) -> BuiltService:
    deps = make_deps(ctx, settings)
    platform_secret = ctx.settings.proxy_secret
    if platform_secret is not None and not deps.settings.proxy_secret.get_secret_value():
        deps.settings.proxy_secret = platform_secret  # the secret this deployment's Envoy sends
    if not deps.settings.proxy_secret.get_secret_value():
        log.warning(
            "no proxy secret (TRADING_PROXY_SECRET): client addresses are the gRPC peers', so every "
            "caller through one proxy shares the per-address limits"
        )
    servicer = make_servicer(deps)
    relay = OutboxRelay(ctx.db, ctx.bus, [OUTBOX], ctx.clock)
    dispatcher = MailDispatcher(ctx.db, ctx.bus, deps.mailer, ctx.clock)
    return BuiltService(
        servicers=[(auth_service_pb2_grpc.add_AuthServiceServicer_to_server, servicer)],
        background=[relay.run, dispatcher.run],
    )
