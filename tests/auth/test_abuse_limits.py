"""Abuse paths: a distributed flood cannot lock the owner out, 2FA guessing is bounded, sign-in
time is the same for every email, sign-ups cannot push a newcomer out, unknown roles are refused."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from trading.auth.v1 import auth_messages_pb2 as m
from trading.auth.v1 import auth_service_pb2_grpc

from svc_auth.models import Base
from svc_auth.passwords import Passwords
from tests.auth.conftest import (
    PASSWORD,
    AuthEnv,
    bearer,
    cheap_settings,
    rpc_error,
    start_auth,
)
from tests.auth.test_register_login import reason_of
from tests.auth.test_two_factor import enable_2fa

OWNER_IP = "198.51.100.20"


async def test_a_flood_from_many_ips_does_not_lock_the_owner_out_of_their_known_ip(auth: AuthEnv) -> None:
    await auth.verified_user()
    assert (await auth.login(ip=OWNER_IP)).tokens.access_token  # the owner's usual address
    limit = auth.deps.settings.login_account_global_limit
    for i in range(limit + 10):  # one wrong guess from each of many addresses
        await rpc_error(auth.login(password=f"guess number {i}", ip=f"203.0.{i // 250}.{i % 250 + 1}"))
    stranger = await rpc_error(auth.login(ip="192.0.2.200"))  # a new address, right password
    assert stranger.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    for _ in range(3):  # the flood goes on; the owner still gets in, again and again
        await rpc_error(auth.login(password="another guess", ip="203.0.9.9"))
        assert (await auth.login(ip=OWNER_IP)).tokens.access_token


async def test_parallel_wrong_codes_spend_exactly_the_challenges_attempts(auth: AuthEnv) -> None:
    await enable_2fa(auth)
    auth.clock.advance(30)
    challenge = (await auth.login()).two_factor.challenge
    results = await asyncio.gather(
        *(
            auth.stub.VerifyTwoFactor(m.VerifyTwoFactorRequest(token=f"{i:06d}", challenge=challenge))
            for i in range(20)
        ),
        return_exceptions=True,
    )
    reasons = Counter(reason_of(r) for r in results if isinstance(r, grpc.aio.AioRpcError))
    assert reasons == {"TWO_FACTOR_CODE_INVALID": 5, "TWO_FACTOR_CHALLENGE_INVALID": 15}


async def test_a_new_challenge_does_not_reset_the_users_2fa_attempts(auth: AuthEnv) -> None:
    _, totp, _ = await enable_2fa(auth)
    auth.clock.advance(30)
    limit = auth.deps.settings.two_factor_user_limit
    spent = 0
    while spent < limit:  # sign in again and again, guessing each challenge's 5 attempts
        challenge = (await auth.login()).two_factor.challenge
        for _ in range(5):
            if spent == limit:
                break
            await rpc_error(
                auth.stub.VerifyTwoFactor(m.VerifyTwoFactorRequest(token="000000", challenge=challenge))
            )
            spent += 1
    challenge = (await auth.login()).two_factor.challenge
    error = await rpc_error(
        auth.stub.VerifyTwoFactor(
            m.VerifyTwoFactorRequest(token=totp.at(auth.clock.now()), challenge=challenge)
        )
    )
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    auth.clock.advance(auth.deps.settings.two_factor_user_window_s)  # the window ends by itself
    challenge = (await auth.login()).two_factor.challenge
    done = await auth.stub.VerifyTwoFactor(
        m.VerifyTwoFactorRequest(token=totp.at(auth.clock.now()), challenge=challenge)
    )
    assert done.tokens.access_token


class CountingPasswords(Passwords):
    """The real Argon2 hasher, counting the hash checks sign-in makes."""

    checks = 0

    async def verify(self, hashed: str | None, password: str) -> bool:
        CountingPasswords.checks += 1
        return await super().verify(hashed, password)


async def test_sign_in_makes_one_hash_check_for_every_email(make_database: Callable, tmp_path: Path) -> None:
    db = await make_database(Base.metadata)
    auth, stop = await start_auth(db, tmp_path)
    auth.deps.passwords = CountingPasswords(auth.deps.settings)
    try:
        await auth.verified_user("known@example.com")
        await auth.register("pending@example.com")
        await auth.register("pending@example.com")
        await auth.register("pending@example.com")
        counts = {}
        for address in ("ghost@example.com", "known@example.com", "pending@example.com"):
            CountingPasswords.checks = 0
            await rpc_error(auth.login(address, "not the password", ip="203.0.113.50"))
            counts[address] = CountingPasswords.checks
        assert set(counts.values()) == {1}, counts  # one Argon2id verification, whoever asks
    finally:
        await stop()


async def test_sign_ups_by_others_cannot_push_a_newcomers_account_out(auth: AuthEnv) -> None:
    await auth.register("new@example.com", PASSWORD)  # the real newcomer, not verified yet
    outcomes = []
    for i in range(3):  # someone else signs up with the same address
        outcomes.append(
            await asyncio.gather(
                auth.register("new@example.com", f"other password {i}"), return_exceptions=True
            )
        )
    errors = [o[0] for o in outcomes if isinstance(o[0], grpc.aio.AioRpcError)]
    assert [e.code() for e in errors] == [grpc.StatusCode.RESOURCE_EXHAUSTED]
    assert (await auth.login("new@example.com", PASSWORD)).tokens.access_token
    ghost = [
        await asyncio.gather(auth.register("nobody@example.com"), return_exceptions=True) for _ in range(4)
    ]
    assert isinstance(ghost[-1][0], grpc.aio.AioRpcError)  # counted alike for any address


async def test_unknown_roles_are_refused_not_dropped(auth: AuthEnv) -> None:
    boss = await auth.verified_user("boss@example.com")
    await auth.make_admin(boss.user.id)
    access = (await auth.login("boss@example.com")).tokens.access_token
    user = await auth.verified_user("eve@example.com")
    request = m.SetUserRolesRequest(user_id=user.user.id, roles=[m.ROLE_SUPPORT, 99])
    error = await rpc_error(auth.stub.SetUserRoles(request, metadata=bearer(access)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    me = await auth.stub.GetMe(
        m.GetMeRequest(), metadata=bearer((await auth.login("eve@example.com")).tokens.access_token)
    )
    assert list(me.user.roles) == [m.ROLE_USER]


async def test_the_client_ip_header_needs_the_proxy_secret_when_one_is_set(
    make_database: Callable, tmp_path: Path
) -> None:
    db = await make_database(Base.metadata)
    settings = cheap_settings(proxy_secret="envoy only")
    auth, stop = await start_auth(db, tmp_path, settings=settings)
    try:
        await auth.verified_user()
        limit = settings.login_account_limit
        # a local process claiming a new address on each call, without the secret: one counter
        for i in range(limit):
            await rpc_error(auth.login(password=f"guess number {i}", ip=f"203.0.113.{i + 1}"))
        error = await rpc_error(auth.login(ip="203.0.113.200"))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        # the proxy, with the secret, is believed: the owner's own address has its own counter
        md = (("x-envoy-external-address", OWNER_IP), ("x-trading-proxy-secret", "envoy only"))
        reply = await auth.stub.Login(m.LoginRequest(email="ana@example.com", password=PASSWORD), metadata=md)
        assert reply.tokens.access_token
    finally:
        await stop()


async def test_in_the_split_run_without_a_secret_the_client_ip_header_is_never_believed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`trading serve auth` with no proxy secret anywhere: a caller naming a new address on each
    call is still counted under its own peer address."""
    from app.migrate import migrate
    from app.registry import load_spec
    from app.runtime import Runtime, make_context
    from core.settings import Settings

    monkeypatch.setenv("TRADING_AUTH_ARGON2_MEMORY_KIB", "256")
    monkeypatch.setenv("TRADING_AUTH_ARGON2_TIME_COST", "1")
    monkeypatch.delenv("TRADING_PROXY_SECRET", raising=False)
    monkeypatch.delenv("TRADING_AUTH_PROXY_SECRET", raising=False)
    settings = Settings(data_dir=tmp_path, grpc_host="127.0.0.1", grpc_port=0)
    specs = [load_spec("auth")]
    migrate(settings, specs)
    runtime = Runtime(make_context(settings), specs, "split")
    port = await runtime.start("127.0.0.1:0")
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = auth_service_pb2_grpc.AuthServiceStub(channel)
            request = m.RegisterRequest(
                email="ana@example.com", password=PASSWORD, first_name="A", last_name="B"
            )
            await stub.Register(request)
            codes = []
            for i in range(11):
                md = (("x-envoy-external-address", f"203.0.113.{i + 1}"),)
                guess = m.LoginRequest(email="ana@example.com", password=f"guess number {i}")
                codes.append((await rpc_error(stub.Login(guess, metadata=md))).code())
    finally:
        await runtime.stop(0)
    assert codes == [grpc.StatusCode.UNAUTHENTICATED] * 10 + [grpc.StatusCode.RESOURCE_EXHAUSTED]


async def test_a_pre_registered_account_stops_signing_in_once_the_owner_proves_the_address(
    auth: AuthEnv,
) -> None:
    squatter = await auth.register("victim@example.com", "the squatters password")  # before the owner
    await auth.mails()
    again = await auth.register("victim@example.com", PASSWORD)  # the owner signs up later: same answer
    assert again.tokens.access_token
    [notice] = await auth.mails()
    assert "forgot password" in notice.get_content()
    error = await rpc_error(auth.login("victim@example.com", PASSWORD))  # one account per address
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    await auth.stub.ForgotPassword(m.ForgotPasswordRequest(email="victim@example.com"))
    link = str((await auth.mails())[0].get_content()).split("token=", 1)[1].split()[0]
    await auth.stub.ResetPassword(m.ResetPasswordRequest(token=link, new_password=PASSWORD))
    owner = await auth.login("victim@example.com", PASSWORD)
    assert (owner.user.id, owner.user.email_verified) == (squatter.user.id, True)
    error = await rpc_error(auth.login("victim@example.com", "the squatters password"))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    error = await rpc_error(auth.stub.GetMe(m.GetMeRequest(), metadata=bearer(squatter.tokens.access_token)))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
