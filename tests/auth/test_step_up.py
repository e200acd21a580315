"""Account changes need a fresh proof of identity: a stolen access token alone cannot change the
password, the email or two-factor sign-in, guesses are limited per user, and the owner is mailed."""

from __future__ import annotations

import grpc
import pyotp
from trading.auth.v1 import auth_messages_pb2 as m

from tests.auth.conftest import PASSWORD, AuthEnv, bearer, rpc_error, verification_token
from tests.auth.test_register_login import reason_of

NEW_PASSWORD = "a brand new password"


async def _signed_in(auth: AuthEnv) -> str:
    await auth.verified_user()
    await auth.mails()  # the verification link
    return (await auth.login()).tokens.access_token


async def test_password_guesses_through_change_password_are_limited_per_user(auth: AuthEnv) -> None:
    access = await _signed_in(auth)
    limit = auth.deps.settings.step_up_limit
    for i in range(limit):
        error = await rpc_error(
            auth.stub.ChangePassword(
                m.ChangePasswordRequest(current_password=f"guess number {i}", new_password=NEW_PASSWORD),
                metadata=bearer(access),
            )
        )
        assert reason_of(error) == "WRONG_PASSWORD"
    error = await rpc_error(
        auth.stub.ChangePassword(
            m.ChangePasswordRequest(current_password=PASSWORD, new_password=NEW_PASSWORD),
            metadata=bearer(access),
        )
    )
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert reason_of(error) == "TOO_MANY_ATTEMPTS"
    await auth.login()  # the password did not change
    # ConfirmIdentity draws on the same window
    error = await rpc_error(auth.proof(access))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    auth.clock.advance(auth.deps.settings.step_up_window_s + 1)
    assert await auth.proof(access)


async def test_a_stolen_access_token_cannot_enrol_an_authenticator(auth: AuthEnv) -> None:
    access = await _signed_in(auth)
    error = await rpc_error(auth.stub.SetupTwoFactor(m.SetupTwoFactorRequest(), metadata=bearer(access)))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert reason_of(error) == "REAUTH_REQUIRED"
    error = await rpc_error(
        auth.stub.SetupTwoFactor(m.SetupTwoFactorRequest(reauth_token="made-up"), metadata=bearer(access))
    )
    assert reason_of(error) == "REAUTH_REQUIRED"
    error = await rpc_error(auth.proof(access, password="not the password"))
    assert reason_of(error) == "WRONG_PASSWORD"


async def test_a_proof_lasts_five_minutes_and_belongs_to_one_user(auth: AuthEnv) -> None:
    access = await _signed_in(auth)
    proof = await auth.proof(access)
    await auth.register("bob@example.com")
    other = (await auth.login("bob@example.com")).tokens.access_token
    error = await rpc_error(
        auth.stub.SetupTwoFactor(m.SetupTwoFactorRequest(reauth_token=proof), metadata=bearer(other))
    )
    assert reason_of(error) == "REAUTH_REQUIRED"
    auth.clock.advance(auth.deps.settings.reauth_ttl_s + 1)
    error = await rpc_error(
        auth.stub.SetupTwoFactor(m.SetupTwoFactorRequest(reauth_token=proof), metadata=bearer(access))
    )
    assert reason_of(error) == "REAUTH_REQUIRED"


async def test_with_2fa_on_a_proof_and_a_password_change_need_a_code(auth: AuthEnv) -> None:
    access = await _signed_in(auth)
    proof = await auth.proof(access)
    setup = await auth.stub.SetupTwoFactor(
        m.SetupTwoFactorRequest(reauth_token=proof), metadata=bearer(access)
    )
    totp = pyotp.TOTP(setup.secret)
    enabled = await auth.stub.VerifyTwoFactor(
        m.VerifyTwoFactorRequest(token=totp.at(auth.clock.now()), reauth_token=proof), metadata=bearer(access)
    )
    error = await rpc_error(auth.proof(access))
    assert reason_of(error) == "TWO_FACTOR_CODE_REQUIRED"
    error = await rpc_error(auth.proof(access, code="000000"))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    error = await rpc_error(
        auth.stub.ChangePassword(
            m.ChangePasswordRequest(current_password=PASSWORD, new_password=NEW_PASSWORD),
            metadata=bearer(access),
        )
    )
    assert reason_of(error) == "TWO_FACTOR_CODE_REQUIRED"
    await auth.stub.ChangePassword(
        m.ChangePasswordRequest(
            current_password=PASSWORD, new_password=NEW_PASSWORD, two_factor_code=enabled.recovery_codes[0]
        ),
        metadata=bearer(access),
    )
    subjects = [mail["Subject"] for mail in await auth.mails()]
    assert subjects == ["Two-factor sign-in is on", "Your password was changed"]


async def test_wrong_codes_to_disable_2fa_are_limited_per_user(auth: AuthEnv) -> None:
    access = await _signed_in(auth)
    proof = await auth.proof(access)
    setup = await auth.stub.SetupTwoFactor(
        m.SetupTwoFactorRequest(reauth_token=proof), metadata=bearer(access)
    )
    totp = pyotp.TOTP(setup.secret)
    await auth.stub.VerifyTwoFactor(
        m.VerifyTwoFactorRequest(token=totp.at(auth.clock.now()), reauth_token=proof), metadata=bearer(access)
    )
    codes = []
    for _ in range(auth.deps.settings.step_up_limit + 1):
        try:
            await auth.stub.DisableTwoFactor(
                m.DisableTwoFactorRequest(token="000000", reauth_token=proof), metadata=bearer(access)
            )
        except grpc.aio.AioRpcError as e:
            codes.append(e.code())
    assert codes[-1] == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert grpc.StatusCode.OK not in codes
    me = await auth.stub.GetMe(m.GetMeRequest(), metadata=bearer(access))
    assert me.user.two_factor_enabled


async def test_changing_the_email_needs_a_proof_a_link_to_the_new_address_and_tells_the_old_one(
    auth: AuthEnv,
) -> None:
    access = await _signed_in(auth)
    error = await rpc_error(
        auth.stub.ChangeEmail(
            m.ChangeEmailRequest(new_email="thief@example.com", reauth_token="x"), metadata=bearer(access)
        )
    )
    assert reason_of(error) == "REAUTH_REQUIRED"
    proof = await auth.proof(access)
    await auth.stub.ChangeEmail(
        m.ChangeEmailRequest(new_email="ana.new@example.com", reauth_token=proof), metadata=bearer(access)
    )
    sent = await auth.mails()
    by_recipient = {str(mail["To"]): mail for mail in sent}
    assert set(by_recipient) == {"ana.new@example.com", "ana@example.com"}
    me = await auth.stub.GetMe(m.GetMeRequest(), metadata=bearer(access))
    assert me.user.email == "ana@example.com"  # nothing moves until the new address is proven
    token = verification_token(by_recipient["ana.new@example.com"])
    moved = await auth.stub.VerifyEmail(m.VerifyEmailRequest(token=token))
    assert (moved.user.email, moved.user.email_verified) == ("ana.new@example.com", True)
    assert [str(mail["To"]) for mail in await auth.mails()] == ["ana@example.com"]
    await auth.login("ana.new@example.com")
