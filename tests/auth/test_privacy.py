"""A user can export what the auth service keeps about them and delete their account: personal
data erased, the id kept as a pseudonym for the ledgers, every session ended, and the other
services told on the stream auth.account_deleted."""

from __future__ import annotations

import json

import grpc
from sqlalchemy import select
from trading.auth.v1 import auth_messages_pb2 as m

from svc_auth.models import OUTBOX, User
from svc_auth.privacy import ACCOUNT_DELETED_STREAM
from tests.auth.conftest import PASSWORD, AuthEnv, bearer, rpc_error
from tests.auth.test_register_login import reason_of


async def test_the_export_holds_the_account_and_its_open_sessions(auth: AuthEnv) -> None:
    registered = await auth.verified_user()
    await auth.login()
    export = await auth.stub.ExportMyData(
        m.ExportMyDataRequest(), metadata=bearer(registered.tokens.access_token)
    )
    assert (export.user.id, export.user.email, export.user.first_name) == (
        registered.user.id,
        "ana@example.com",
        "Ana",
    )
    assert len(export.sessions) == 2
    assert export.export_time.seconds > 0


async def test_deleting_needs_a_fresh_proof(auth: AuthEnv) -> None:
    registered = await auth.verified_user()
    error = await rpc_error(
        auth.stub.DeleteAccount(
            m.DeleteAccountRequest(reauth_token="stolen token alone"),
            metadata=bearer(registered.tokens.access_token),
        )
    )
    assert reason_of(error) == "REAUTH_REQUIRED"
    assert (await auth.login()).user.id == registered.user.id


async def test_deleting_erases_personal_data_keeps_the_id_and_tells_other_services(auth: AuthEnv) -> None:
    registered = await auth.verified_user()
    await auth.mails()
    access = registered.tokens.access_token
    proof = await auth.proof(access)
    await auth.stub.UpdateMe(m.UpdateMeRequest(last_name="Secret"), metadata=bearer(access))
    await auth.stub.DeleteAccount(m.DeleteAccountRequest(reauth_token=proof), metadata=bearer(access))

    async with auth.deps.db.session() as s:
        row = await s.get(User, registered.user.id)
        staged = list(await s.execute(select(OUTBOX.c.channel, OUTBOX.c.payload)))
    assert row is not None
    assert row.deleted_at is not None
    assert (row.first_name, row.last_name, row.password_hash, row.totp_secret) == ("", "", None, None)
    assert "ana" not in row.email
    events = [json.loads(payload) for channel, payload in staged if channel == ACCOUNT_DELETED_STREAM]
    assert [e["user_id"] for e in events] == [registered.user.id]

    error = await rpc_error(auth.stub.GetMe(m.GetMeRequest(), metadata=bearer(access)))
    assert reason_of(error) == "SESSION_REVOKED"
    error = await rpc_error(auth.login())
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert [mail["Subject"] for mail in await auth.mails()] == ["Your account was deleted"]
    again = await auth.register(password=PASSWORD)  # the address is free again
    assert again.user.id != registered.user.id
