"""Forgot password: a single-use, 15-minute link, stored hashed, that tells nothing about which
addresses have accounts and ends every session when used."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage

import grpc
from sqlalchemy import select
from trading.auth.v1 import auth_messages_pb2 as m

from svc_auth.models import PasswordResetToken
from tests.auth.conftest import AuthEnv, bearer, rpc_error
from tests.auth.test_register_login import reason_of

NEW_PASSWORD = "a brand new password"


def reset_token(message: EmailMessage) -> str:
    return str(message.get_content()).split("token=", 1)[1].split()[0]


async def _forgot(auth: AuthEnv, email: str) -> m.ForgotPasswordResponse:
    return await auth.stub.ForgotPassword(m.ForgotPasswordRequest(email=email))


async def _reset(auth: AuthEnv, token: str, password: str = NEW_PASSWORD) -> m.ResetPasswordResponse:
    return await auth.stub.ResetPassword(m.ResetPasswordRequest(token=token, new_password=password))


async def test_a_reset_link_sets_the_password_once_and_ends_every_session(auth: AuthEnv) -> None:
    await auth.verified_user()
    await auth.mails()
    before = await auth.login()
    known = await _forgot(auth, "ANA@example.com")
    unknown = await _forgot(auth, "nobody@example.com")
    assert known == unknown == m.ForgotPasswordResponse()
    sent = await auth.mails()
    assert [str(mail["To"]) for mail in sent] == ["ana@example.com"]
    token = reset_token(sent[0])
    async with auth.deps.db.session() as s:
        stored = list(await s.scalars(select(PasswordResetToken.token_hash)))
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]

    await _reset(auth, token)
    error = await rpc_error(_reset(auth, token, "another long password"))
    assert reason_of(error) == "RESET_TOKEN_INVALID"
    error = await rpc_error(auth.stub.GetMe(m.GetMeRequest(), metadata=bearer(before.tokens.access_token)))
    assert reason_of(error) == "SESSION_REVOKED"
    error = await rpc_error(
        auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=before.tokens.refresh_token))
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert (await auth.login(password=NEW_PASSWORD)).tokens.access_token
    assert [mail["Subject"] for mail in await auth.mails()] == ["Your password was reset"]


async def test_a_reset_link_expires_after_fifteen_minutes(auth: AuthEnv) -> None:
    await auth.verified_user()
    await auth.mails()
    await _forgot(auth, "ana@example.com")
    token = reset_token((await auth.mails())[0])
    auth.clock.advance(auth.deps.settings.password_reset_ttl_s)
    error = await rpc_error(_reset(auth, token))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    await auth.login()  # the password did not change


async def test_using_one_link_spends_the_others(auth: AuthEnv) -> None:
    await auth.verified_user()
    await auth.mails()
    await _forgot(auth, "ana@example.com")
    await _forgot(auth, "ana@example.com")
    first, second = (reset_token(mail) for mail in await auth.mails())
    await _reset(auth, second)
    error = await rpc_error(_reset(auth, first, "yet another long password"))
    assert reason_of(error) == "RESET_TOKEN_INVALID"


async def test_links_per_address_are_limited_silently(auth: AuthEnv) -> None:
    await auth.verified_user()
    await auth.mails()
    for _ in range(auth.deps.settings.password_reset_email_limit + 3):
        await _forgot(auth, "ana@example.com")
    assert len(await auth.mails()) == auth.deps.settings.password_reset_email_limit


async def test_a_reset_proves_the_address_of_an_unverified_account(auth: AuthEnv) -> None:
    await auth.register()
    await auth.mails()
    await _forgot(auth, "ana@example.com")
    await _reset(auth, reset_token((await auth.mails())[0]))
    login = await auth.login(password=NEW_PASSWORD)
    assert login.user.email_verified
