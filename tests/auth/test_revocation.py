"""Ending every session of a user stops their access tokens within seconds, not at `exp`: a
password change, a disabled account, a role taken away and a logout everywhere."""

from __future__ import annotations

import grpc
from trading.auth.v1 import auth_messages_pb2 as m

from core import revocation
from core.bus import InProcessBus
from core.clock import TestClock
from core.errors import Unauthenticated
from core.kv import MemoryKeyValue
from core.revocation import SessionVersions
from tests.auth.conftest import PASSWORD, AuthEnv, bearer, rpc_error
from tests.auth.test_register_login import reason_of


async def _me(auth: AuthEnv, access: str) -> m.GetMeResponse:
    return await auth.stub.GetMe(m.GetMeRequest(), metadata=bearer(access))


async def _revoked(auth: AuthEnv, access: str) -> None:
    error = await rpc_error(_me(auth, access))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert reason_of(error) == "SESSION_REVOKED"


async def test_a_password_change_stops_every_access_token_but_the_new_one(auth: AuthEnv) -> None:
    await auth.verified_user()
    thief = (await auth.login()).tokens.access_token
    owner = (await auth.login()).tokens.access_token
    changed = await auth.stub.ChangePassword(
        m.ChangePasswordRequest(current_password=PASSWORD, new_password="a brand new password"),
        metadata=bearer(owner),
    )
    await _revoked(auth, thief)
    await _revoked(auth, owner)
    assert (await _me(auth, changed.tokens.access_token)).user.email == "ana@example.com"


async def test_logout_everywhere_and_disabling_stop_access_tokens(auth: AuthEnv) -> None:
    await auth.verified_user()
    first = await auth.login()
    await auth.stub.Logout(m.LogoutRequest(refresh_token=first.tokens.refresh_token, all_sessions=True))
    await _revoked(auth, first.tokens.access_token)

    second = await auth.login()
    admin = await auth.register("admin@example.com")
    await auth.make_admin(admin.user.id)
    admin_access = (await auth.login("admin@example.com")).tokens.access_token
    await auth.stub.DisableUser(m.DisableUserRequest(user_id=second.user.id), metadata=bearer(admin_access))
    await _revoked(auth, second.tokens.access_token)


async def test_a_role_taken_away_stops_the_tokens_that_carry_it(auth: AuthEnv) -> None:
    boss = await auth.register("boss@example.com")
    await auth.make_admin(boss.user.id)
    boss_access = (await auth.login("boss@example.com")).tokens.access_token
    ana = await auth.register()
    await auth.make_admin(ana.user.id)
    ana_access = (await auth.login()).tokens.access_token
    await auth.stub.SetUserRoles(
        m.SetUserRolesRequest(user_id=ana.user.id, roles=[m.ROLE_USER]), metadata=bearer(boss_access)
    )
    error = await rpc_error(auth.stub.ListUsers(m.ListUsersRequest(), metadata=bearer(ana_access)))
    assert reason_of(error) == "SESSION_REVOKED"


async def test_a_server_that_missed_the_push_reads_the_store_within_its_cache_time() -> None:
    clock = TestClock()
    kv, bus = MemoryKeyValue(clock), InProcessBus()
    deaf = SessionVersions(kv, bus, clock, cache_ttl_s=5)  # never listens to the bus
    claims = {"sub": "u1", revocation.CLAIM: 0}
    await deaf.check(claims)
    await revocation.announce(kv, bus, "u1", 1, keep_s=960)
    await deaf.check(claims)  # still cached
    clock.advance(5)
    error: Unauthenticated | None = None
    try:
        await deaf.check(claims)
    except Unauthenticated as e:
        error = e
    assert error is not None
    assert error.reason == "SESSION_REVOKED"
    await deaf.check({"sub": "u1", revocation.CLAIM: 1})
    await bus.close()


async def test_a_pushed_version_applies_at_once_and_outlives_the_store() -> None:
    clock = TestClock()
    kv, bus = MemoryKeyValue(clock), InProcessBus()
    versions = SessionVersions(kv, bus, clock)
    versions.learn("u1", 3)
    assert await versions.current("u1") == 3
    clock.advance(60)  # the cache entry is stale and the store has nothing: the pushed version holds
    assert await versions.current("u1") == 3
    await bus.close()
