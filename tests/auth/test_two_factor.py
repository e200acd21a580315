"""TOTP two-factor sign-in: setup, enable, login challenge, replay, recovery codes, disable."""

from __future__ import annotations

import grpc
import pyotp
from trading.auth.v1 import auth_messages_pb2 as m

from tests.auth.conftest import AuthEnv, bearer, rpc_error


async def enable_2fa(auth: AuthEnv) -> tuple[str, pyotp.TOTP, list[str]]:
    """A verified user with 2FA on: their access token, their TOTP and recovery codes."""
    await auth.verified_user()
    access = (await auth.login()).tokens.access_token
    proof = await auth.proof(access)
    setup = await auth.stub.SetupTwoFactor(
        m.SetupTwoFactorRequest(reauth_token=proof), metadata=bearer(access)
    )
    assert setup.otpauth_uri.startswith("otpauth://totp/")
    assert setup.qr_code.startswith(b"\x89PNG")
    totp = pyotp.TOTP(setup.secret)
    enabled = await auth.stub.VerifyTwoFactor(
        m.VerifyTwoFactorRequest(token=totp.at(auth.clock.now()), reauth_token=proof), metadata=bearer(access)
    )
    assert enabled.success
    assert len(enabled.recovery_codes) == 10
    return access, totp, list(enabled.recovery_codes)


async def test_enabling_needs_a_valid_code(auth: AuthEnv) -> None:
    await auth.verified_user()
    access = (await auth.login()).tokens.access_token
    proof = await auth.proof(access)
    await auth.stub.SetupTwoFactor(m.SetupTwoFactorRequest(reauth_token=proof), metadata=bearer(access))
    error = await rpc_error(
        auth.stub.VerifyTwoFactor(
            m.VerifyTwoFactorRequest(token="000000", reauth_token=proof), metadata=bearer(access)
        )
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    me = await auth.stub.GetMe(m.GetMeRequest(), metadata=bearer(access))
    assert not me.user.two_factor_enabled


async def test_login_with_2fa_returns_a_challenge_completed_by_a_code(auth: AuthEnv) -> None:
    _, totp, _ = await enable_2fa(auth)
    auth.clock.advance(30)
    login = await auth.login()
    assert not login.HasField("tokens")
    assert login.two_factor.challenge
    done = await auth.stub.VerifyTwoFactor(
        m.VerifyTwoFactorRequest(token=totp.at(auth.clock.now()), challenge=login.two_factor.challenge)
    )
    assert done.success
    assert done.tokens.access_token
    auth.keys.verify_access_token(done.tokens.access_token)


async def test_a_totp_code_is_accepted_once(auth: AuthEnv) -> None:
    _, totp, _ = await enable_2fa(auth)
    auth.clock.advance(30)
    code = totp.at(auth.clock.now())
    first = await auth.login()
    await auth.stub.VerifyTwoFactor(
        m.VerifyTwoFactorRequest(token=code, challenge=first.two_factor.challenge)
    )
    second = await auth.login()
    error = await rpc_error(
        auth.stub.VerifyTwoFactor(m.VerifyTwoFactorRequest(token=code, challenge=second.two_factor.challenge))
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_one_step_of_drift_is_allowed_but_not_two(auth: AuthEnv) -> None:
    _, totp, _ = await enable_2fa(auth)
    auth.clock.advance(120)
    login = await auth.login()
    too_old = totp.at(auth.clock.now(), counter_offset=-2)
    error = await rpc_error(
        auth.stub.VerifyTwoFactor(
            m.VerifyTwoFactorRequest(token=too_old, challenge=login.two_factor.challenge)
        )
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    late = totp.at(auth.clock.now(), counter_offset=-1)
    await auth.stub.VerifyTwoFactor(
        m.VerifyTwoFactorRequest(token=late, challenge=login.two_factor.challenge)
    )


async def test_recovery_codes_work_once(auth: AuthEnv) -> None:
    _, _, codes = await enable_2fa(auth)
    login = await auth.login()
    done = await auth.stub.VerifyTwoFactor(
        m.VerifyTwoFactorRequest(token=codes[0], challenge=login.two_factor.challenge)
    )
    assert done.tokens.access_token
    again = await auth.login()
    error = await rpc_error(
        auth.stub.VerifyTwoFactor(
            m.VerifyTwoFactorRequest(token=codes[0], challenge=again.two_factor.challenge)
        )
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_challenge_cannot_be_completed_twice(auth: AuthEnv) -> None:
    _, _, codes = await enable_2fa(auth)
    login = await auth.login()
    await auth.stub.VerifyTwoFactor(
        m.VerifyTwoFactorRequest(token=codes[0], challenge=login.two_factor.challenge)
    )
    error = await rpc_error(
        auth.stub.VerifyTwoFactor(
            m.VerifyTwoFactorRequest(token=codes[1], challenge=login.two_factor.challenge)
        )
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_disabling_needs_a_code_or_a_recovery_code(auth: AuthEnv) -> None:
    access, _, codes = await enable_2fa(auth)
    proof = await auth.proof(access, code=codes[5])
    error = await rpc_error(
        auth.stub.DisableTwoFactor(
            m.DisableTwoFactorRequest(token="123456", reauth_token=proof), metadata=bearer(access)
        )
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    done = await auth.stub.DisableTwoFactor(
        m.DisableTwoFactorRequest(token=codes[3], reauth_token=proof), metadata=bearer(access)
    )
    assert not done.user.two_factor_enabled
    assert (await auth.login()).tokens.access_token
