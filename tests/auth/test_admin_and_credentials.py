"""Roles, admin RPCs, the plan RPC billing calls, and service credentials."""

from __future__ import annotations

import grpc
from trading.auth.v1 import auth_messages_pb2 as m
from trading.auth.v1 import auth_service_pb2

from core.access import rule_for
from core.clock import TestClock
from svc_auth.credentials import RemoteCredentialVerifier
from tests.auth.conftest import AuthEnv, api_key, bearer, rpc_error


async def signed_in(auth: AuthEnv, address: str, admin: bool = False) -> m.LoginResponse:
    reply = await auth.verified_user(address)
    if admin:
        await auth.make_admin(reply.user.id)
    return await auth.login(address)


def test_every_auth_rpc_declares_an_access_rule() -> None:
    service = auth_service_pb2.DESCRIPTOR.services_by_name["AuthService"]
    for method in service.methods:
        assert not rule_for(f"/{service.full_name}/{method.name}").denied, method.name


async def test_admin_rpcs_answer_by_role(auth: AuthEnv) -> None:
    boss = await signed_in(auth, "boss@example.com", admin=True)
    user = await signed_in(auth, "user@example.com")
    request = m.SetUserRolesRequest(user_id=user.user.id, roles=[m.ROLE_SUPPORT])
    anonymous = await rpc_error(auth.stub.SetUserRoles(request))
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED
    itself = await rpc_error(auth.stub.SetUserRoles(request, metadata=bearer(user.tokens.access_token)))
    assert itself.code() == grpc.StatusCode.PERMISSION_DENIED
    changed = await auth.stub.SetUserRoles(request, metadata=bearer(boss.tokens.access_token))
    assert set(changed.user.roles) == {m.ROLE_USER, m.ROLE_SUPPORT}
    support = await auth.login("user@example.com")
    listed = await auth.stub.ListUsers(m.ListUsersRequest(), metadata=bearer(support.tokens.access_token))
    assert {u.email for u in listed.users} == {"boss@example.com", "user@example.com"}
    assert auth.keys.verify_access_token(support.tokens.access_token)["roles"] == ["support", "user"]


async def test_list_users_pages_through_every_account(auth: AuthEnv) -> None:
    boss = await signed_in(auth, "boss@example.com", admin=True)
    for i in range(4):
        await auth.register(f"u{i}@example.com")
        auth.clock.advance(1)
    seen, token = [], ""
    while True:
        page = await auth.stub.ListUsers(
            m.ListUsersRequest(page={"page_size": 2, "page_token": token}),
            metadata=bearer(boss.tokens.access_token),
        )
        seen += [u.email for u in page.users]
        token = page.page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(["boss@example.com", *(f"u{i}@example.com" for i in range(4))])


async def test_disabling_a_user_ends_their_sessions(auth: AuthEnv) -> None:
    boss = await signed_in(auth, "boss@example.com", admin=True)
    user = await signed_in(auth, "user@example.com")
    await auth.stub.DisableUser(
        m.DisableUserRequest(user_id=user.user.id), metadata=bearer(boss.tokens.access_token)
    )
    error = await rpc_error(
        auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=user.tokens.refresh_token))
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_service_credentials_set_plans_and_revoked_keys_stop_working(auth: AuthEnv) -> None:
    boss = await signed_in(auth, "boss@example.com", admin=True)
    user = await signed_in(auth, "user@example.com")
    created = await auth.stub.CreateServiceCredential(
        m.CreateServiceCredentialRequest(name="billing", scopes=["auth:set_plan"]),
        metadata=bearer(boss.tokens.access_token),
    )
    key = created.api_key
    set_plan = m.SetPlanRequest(user_id=user.user.id, plan=m.PLAN_PRO)
    as_user = await rpc_error(auth.stub.SetPlan(set_plan, metadata=bearer(user.tokens.access_token)))
    assert as_user.code() == grpc.StatusCode.PERMISSION_DENIED
    changed = await auth.stub.SetPlan(set_plan, metadata=api_key(key))
    assert changed.user.plan == m.PLAN_PRO
    refreshed = await auth.stub.RefreshToken(m.RefreshTokenRequest(refresh_token=user.tokens.refresh_token))
    assert auth.keys.verify_access_token(refreshed.access_token)["plan"] == "pro"
    verified = await auth.stub.VerifyServiceCredential(
        m.VerifyServiceCredentialRequest(api_key=key), metadata=api_key(key)
    )
    assert verified.valid
    assert verified.credential.name == "billing"
    assert list(verified.credential.scopes) == ["auth:set_plan"]
    await auth.stub.RevokeServiceCredential(
        m.RevokeServiceCredentialRequest(credential_id=created.credential.id),
        metadata=bearer(boss.tokens.access_token),
    )
    error = await rpc_error(auth.stub.SetPlan(set_plan, metadata=api_key(key)))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_remote_verifier_asks_auth_and_caches_briefly(auth: AuthEnv) -> None:
    boss = await signed_in(auth, "boss@example.com", admin=True)
    admin_md = bearer(boss.tokens.access_token)
    own = await auth.stub.CreateServiceCredential(
        m.CreateServiceCredentialRequest(name="market"), metadata=admin_md
    )
    other = await auth.stub.CreateServiceCredential(
        m.CreateServiceCredentialRequest(name="inference", scopes=["ml:predict"]), metadata=admin_md
    )
    clock = TestClock()
    verifier = RemoteCredentialVerifier(auth.stub, own.api_key, clock, ttl_s=30)
    principal = await verifier.verify_api_key(other.api_key)
    assert principal is not None
    assert principal.kind == "service"
    assert principal.scopes == {"ml:predict"}
    assert await verifier.verify_api_key("tsk_not-a-key") is None
    await auth.stub.RevokeServiceCredential(
        m.RevokeServiceCredentialRequest(credential_id=other.credential.id), metadata=admin_md
    )
    assert await verifier.verify_api_key(other.api_key) is not None  # cached
    clock.advance(31)
    assert await verifier.verify_api_key(other.api_key) is None


async def test_jwks_rpc_serves_the_keys_that_verify_tokens(auth: AuthEnv) -> None:
    reply = await auth.register()
    jwks = await auth.stub.GetJwks(m.GetJwksRequest())
    assert [k.kid for k in jwks.keys] == [k["kid"] for k in auth.keys.jwks()["keys"]]
    assert reply.tokens.access_token
