"""Sign-ups are limited per client address, and an unverified account's token says so, which is
what money-moving services check (core.auth.require_verified_email)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from trading.auth.v1 import auth_messages_pb2 as m

from core.auth import principal_from_claims, require_verified_email
from core.errors import FailedPrecondition
from svc_auth.models import Base
from tests.auth.conftest import (
    PASSWORD,
    AuthEnv,
    cheap_settings,
    proxied,
    rpc_error,
    start_auth,
    verification_token,
)
from tests.auth.test_register_login import reason_of


async def _sign_up(auth: AuthEnv, email: str, ip: str) -> m.RegisterResponse:
    request = m.RegisterRequest(email=email, password=PASSWORD, first_name="A", last_name="B")
    return await auth.stub.Register(request, metadata=proxied(ip))


async def test_sign_ups_from_one_address_are_limited(make_database: Callable, tmp_path: Path) -> None:
    db = await make_database(Base.metadata)
    auth, stop = await start_auth(db, tmp_path, settings=cheap_settings(register_ip_limit=4))
    try:
        for i in range(4):
            await _sign_up(auth, f"bot{i}@example.com", "203.0.113.9")
        error = await rpc_error(_sign_up(auth, "bot9@example.com", "203.0.113.9"))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert reason_of(error) == "TOO_MANY_REGISTRATIONS"
        assert len(await auth.mails()) == 4  # the refused one cost no hash, row or mail
        await _sign_up(auth, "someone@example.com", "198.51.100.3")  # other addresses are not affected
    finally:
        await stop()


async def test_the_token_of_an_unverified_account_keeps_it_from_moving_money(auth: AuthEnv) -> None:
    registered = await auth.register()
    unverified = principal_from_claims(auth.keys.verify_access_token(registered.tokens.access_token))
    with pytest.raises(FailedPrecondition) as refused:
        require_verified_email(unverified)
    assert refused.value.reason == "EMAIL_NOT_VERIFIED"
    await auth.stub.VerifyEmail(m.VerifyEmailRequest(token=verification_token((await auth.mails())[0])))
    renewed = await auth.stub.RefreshToken(
        m.RefreshTokenRequest(refresh_token=registered.tokens.refresh_token)
    )
    require_verified_email(principal_from_claims(auth.keys.verify_access_token(renewed.access_token)))
