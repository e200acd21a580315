"""A sign-in session has an absolute life, and signing out everywhere needs its current token."""

from __future__ import annotations

import grpc
from trading.auth.v1 import auth_messages_pb2 as m

from tests.auth.conftest import AuthEnv, rpc_error
from tests.auth.test_register_login import reason_of

DAY = 24 * 3600


async def _refresh(auth: AuthEnv, token: str) -> m.RefreshTokenResponse:
    return await auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=token))


async def test_rotation_never_carries_a_session_past_its_absolute_life(auth: AuthEnv) -> None:
    await auth.verified_user()
    login = await auth.login()
    signed_in_at = auth.clock.now()
    max_life = auth.deps.settings.session_max_life_s
    token = login.tokens.refresh_token
    while (auth.clock.now() - signed_in_at).total_seconds() + 6 * DAY < max_life:
        auth.clock.advance(6 * DAY)
        renewed = await _refresh(auth, token)
        assert renewed.refresh_expire_time.ToSeconds() <= signed_in_at.timestamp() + max_life
        token = renewed.refresh_token
    auth.clock.advance(6 * DAY)  # past 30 days from the sign-in, though this token is 6 days old
    error = await rpc_error(_refresh(auth, token))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert (await auth.login()).tokens.refresh_token  # signing in again starts a new session


async def test_a_spent_refresh_token_cannot_sign_the_owner_out_everywhere(auth: AuthEnv) -> None:
    await auth.verified_user()
    old_copy = (await auth.login()).tokens.refresh_token
    current = (await _refresh(auth, old_copy)).refresh_token
    other_device = (await auth.login()).tokens.refresh_token
    auth.clock.advance(60)
    error = await rpc_error(auth.stub.Logout(m.LogoutRequest(refresh_token=old_copy, all_sessions=True)))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert reason_of(error) == "REFRESH_TOKEN_INVALID"
    assert (await _refresh(auth, other_device)).refresh_token
    assert (await _refresh(auth, current)).refresh_token
