"""Register, verify email, sign in, refresh and sign out, end to end over gRPC."""

from __future__ import annotations

import asyncio

import grpc
from trading.auth.v1 import auth_messages_pb2 as m

from core.status import details_of
from tests.auth.conftest import PASSWORD, AuthEnv, bearer, rpc_error, verification_token


def reason_of(error: grpc.aio.AioRpcError) -> str:
    from google.rpc import error_details_pb2

    status = details_of(error)
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason
    return ""


async def test_register_returns_user_and_tokens_and_mails_a_verification_link(auth: AuthEnv) -> None:
    reply = await auth.register("Ana@Example.COM")
    assert reply.user.email == "ana@example.com"
    assert not reply.user.email_verified
    assert reply.tokens.access_token
    assert reply.tokens.refresh_token
    [mail] = await auth.mails()
    assert mail["To"] == "ana@example.com"
    verified = await auth.stub.VerifyEmail(m.VerifyEmailRequest(token=verification_token(mail)))
    assert verified.user.email_verified
    me = await auth.stub.GetMe(m.GetMeRequest(), metadata=bearer(reply.tokens.access_token))
    assert me.user.id == reply.user.id


async def test_verification_link_works_once(auth: AuthEnv) -> None:
    await auth.register()
    token = verification_token((await auth.mails())[-1])
    await auth.stub.VerifyEmail(m.VerifyEmailRequest(token=token))
    error = await rpc_error(auth.stub.VerifyEmail(m.VerifyEmailRequest(token=token)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_login_then_refresh_rotates_and_logout_revokes(auth: AuthEnv) -> None:
    await auth.verified_user()
    login = await auth.login()
    claims = auth.keys.verify_access_token(login.tokens.access_token)
    assert claims["sub"] == login.user.id
    assert claims["roles"] == ["user"]
    assert claims["plan"] == "free"
    refreshed = await auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=login.tokens.refresh_token))
    assert refreshed.refresh_token != login.tokens.refresh_token
    auth.keys.verify_access_token(refreshed.access_token)
    await auth.stub.Logout(m.LogoutRequest(refresh_token=refreshed.refresh_token))
    error = await rpc_error(
        auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=refreshed.refresh_token))
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_replayed_refresh_token_revokes_its_family(auth: AuthEnv) -> None:
    await auth.verified_user()
    first = (await auth.login()).tokens.refresh_token
    second = (await auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=first))).refresh_token
    auth.clock.advance(auth.deps.settings.refresh_race_grace_s + 1)  # past the race window
    error = await rpc_error(auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=first)))
    assert reason_of(error) == "REFRESH_TOKEN_REUSED"
    error = await rpc_error(auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=second)))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_two_concurrent_refreshes_with_one_token_have_one_winner(auth: AuthEnv) -> None:
    await auth.verified_user()
    token = (await auth.login()).tokens.refresh_token
    results = await asyncio.gather(
        *(auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=token)) for _ in range(2)),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, m.RefreshTokenResponse)]
    losers = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert losers[0].code() == grpc.StatusCode.ABORTED
    assert reason_of(losers[0]) == "REFRESH_RACE"
    # the loser revoked nothing: the winner's new refresh token works
    again = await auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=winners[0].refresh_token))
    auth.keys.verify_access_token(again.access_token)


async def test_a_refresh_token_replayed_soon_after_rotation_is_a_race_not_a_theft(auth: AuthEnv) -> None:
    await auth.verified_user()
    first = (await auth.login()).tokens.refresh_token
    second = (await auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=first))).refresh_token
    auth.clock.advance(auth.deps.settings.refresh_race_grace_s)  # still inside the window
    error = await rpc_error(auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=first)))
    assert (error.code(), reason_of(error)) == (grpc.StatusCode.ABORTED, "REFRESH_RACE")
    third = (await auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=second))).refresh_token
    auth.clock.advance(1)  # now past the window of `first`'s spend: a theft, the family goes
    error = await rpc_error(auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=first)))
    assert reason_of(error) == "REFRESH_TOKEN_REUSED"
    error = await rpc_error(auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=third)))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_refresh_token_is_not_an_access_token(auth: AuthEnv) -> None:
    reply = await auth.register()
    error = await rpc_error(auth.stub.GetMe(m.GetMeRequest(), metadata=bearer(reply.tokens.refresh_token)))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_unknown_email_wrong_password_and_disabled_account_fail_alike(auth: AuthEnv) -> None:
    admin = await auth.verified_user("boss@example.com")
    await auth.make_admin(admin.user.id)
    boss = await auth.login("boss@example.com")
    victim = await auth.verified_user("eve@example.com")
    await auth.stub.DisableUser(
        m.DisableUserRequest(user_id=victim.user.id), metadata=bearer(boss.tokens.access_token)
    )
    errors = [
        await rpc_error(auth.login("nobody@example.com")),
        await rpc_error(auth.login("boss@example.com", "wrong password!")),
        await rpc_error(auth.login("eve@example.com")),
    ]
    assert {(e.code(), e.details(), reason_of(e)) for e in errors} == {
        (grpc.StatusCode.UNAUTHENTICATED, "wrong email or password", "INVALID_CREDENTIALS")
    }


async def test_register_with_a_taken_email_looks_the_same_and_cannot_take_it(auth: AuthEnv) -> None:
    owner = await auth.verified_user()
    again = await auth.register(password="another password 1")
    assert again.user.email == owner.user.email
    assert again.tokens.access_token
    assert again.user.id != owner.user.id
    [notice] = await auth.mails()
    assert "already" in notice["Subject"]
    assert "token=" not in notice.get_content()
    login = await auth.login()  # the owner's password still signs the owner in
    assert login.user.id == owner.user.id
    error = await rpc_error(auth.login(password="another password 1"))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_resend_verification_answers_the_same_for_unknown_emails(auth: AuthEnv) -> None:
    await auth.register()
    await auth.mails()
    await auth.stub.ResendVerification(m.ResendVerificationRequest(email="ana@example.com"))
    await auth.stub.ResendVerification(m.ResendVerificationRequest(email="ghost@example.com"))
    [mail] = await auth.mails()
    assert mail["To"] == "ana@example.com"


async def test_password_rules_are_enforced_without_truncation(auth: AuthEnv) -> None:
    short = await rpc_error(auth.register(password="short"))
    assert short.code() == grpc.StatusCode.INVALID_ARGUMENT
    too_long = await rpc_error(auth.register(password="x" * 129))
    assert too_long.code() == grpc.StatusCode.INVALID_ARGUMENT
    await auth.verified_user(password="y" * 128)
    error = await rpc_error(auth.login(password="y" * 127))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_change_password_revokes_every_refresh_token(auth: AuthEnv) -> None:
    await auth.verified_user()
    a = await auth.login()
    b = await auth.login()
    changed = await auth.stub.ChangePassword(
        m.ChangePasswordRequest(current_password=PASSWORD, new_password="a brand new password"),
        metadata=bearer(a.tokens.access_token),
    )
    for old in (a, b):
        error = await rpc_error(
            auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=old.tokens.refresh_token))
        )
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    await auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=changed.tokens.refresh_token))
    await auth.login(password="a brand new password")


async def test_profile_update_keeps_unset_fields(auth: AuthEnv) -> None:
    reply = await auth.register()
    updated = await auth.stub.UpdateMe(
        m.UpdateMeRequest(
            last_name="Lopez",
            risk_preferences=m.RiskPreferences(
                tolerance=m.RISK_TOLERANCE_CONSERVATIVE, max_drawdown_percent=10
            ),
        ),
        metadata=bearer(reply.tokens.access_token),
    )
    assert (updated.user.first_name, updated.user.last_name) == ("Ana", "Lopez")
    assert updated.user.risk_preferences.tolerance == m.RISK_TOLERANCE_CONSERVATIVE
    assert updated.user.risk_preferences.max_drawdown_percent == 10
