"""Mail goes through the outbox: staged with the change, relayed to the `auth.mail` stream, sent
by the mailer and acked after the send. Nothing is sent for a rolled-back change, a committed
one is sent even when the process died before sending, and a redelivered one is sent once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from trading.auth.v1 import auth_messages_pb2 as m

from core.bus import Delivery, InProcessBus
from core.outbox import OutboxRelay
from svc_auth.config import AuthSettings
from svc_auth.mailer import MAIL_GROUP, MAIL_STREAM, FileMailer, MailDispatcher, SmtpMailer, compose, queue
from svc_auth.models import OUTBOX, Base
from tests.auth.conftest import AuthEnv, cheap_settings, start_auth, verification_token
from tests.auth.fake_smtp import FakeSmtp


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtp]:
    server = FakeSmtp()
    await server.start()
    yield server
    await server.stop()


def smtp_settings(port: int) -> AuthSettings:
    return cheap_settings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)


async def test_a_rolled_back_change_sends_nothing(auth: AuthEnv) -> None:
    """`queue` is what registration and resend call inside their transaction."""
    mail = compose("from@trading.test", "ana@example.com", "never", "never sent")

    async def change_that_fails() -> None:
        async with auth.deps.db.transaction() as s:
            await queue(s, mail, auth.clock)
            raise RuntimeError("the change failed after staging its mail")

    with pytest.raises(RuntimeError):
        await change_that_fails()
    assert await auth.mails() == []
    async with auth.deps.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OUTBOX)) == 0


async def test_mail_committed_before_a_crash_is_sent_by_the_next_process(
    make_database: Callable, tmp_path: Path
) -> None:
    db = await make_database(Base.metadata)
    first, stop_first = await start_auth(db, tmp_path / "first")
    await first.register()  # committed; this process "dies" before its relay or mailer ran
    await stop_first()

    bus = InProcessBus()  # a new process: nothing survived but the database
    mail_dir = tmp_path / "second" / "mail"
    dispatcher = MailDispatcher(db, bus, FileMailer(mail_dir), first.clock, consumer="second")
    assert await OutboxRelay(db, bus, [OUTBOX], first.clock).drain() == 1
    assert await dispatcher.pump() == 1
    [path] = mail_dir.glob("*.eml")
    assert "Confirm your email address" in path.read_text()
    assert await OutboxRelay(db, bus, [OUTBOX], first.clock).drain() == 0
    await bus.close()


async def test_mail_goes_out_over_smtp_and_waits_while_the_server_is_down(
    make_database: Callable, tmp_path: Path, smtp: FakeSmtp
) -> None:
    db = await make_database(Base.metadata)
    env, stop = await start_auth(db, tmp_path, settings=smtp_settings(smtp.port))
    env.dispatcher.mailer = SmtpMailer(env.deps.settings)
    try:
        port = smtp.port
        await smtp.stop()
        await env.register()
        await env.relay.drain()
        with pytest.raises(OSError):  # not acked: the supervisor restarts the mailer later
            await env.dispatcher.pump()
        assert smtp.messages == []
        await smtp.start(port)
        assert await env.dispatcher.pump() == 1
        [mail] = smtp.messages
        assert mail["To"] == "ana@example.com"
        verified = await env.stub.VerifyEmail(m.VerifyEmailRequest(token=verification_token(mail)))
        assert verified.user.email_verified
    finally:
        await stop()


async def test_a_message_redelivered_after_a_crash_before_the_ack_is_sent_once(
    make_database: Callable, tmp_path: Path, smtp: FakeSmtp
) -> None:
    db = await make_database(Base.metadata)
    env, stop = await start_auth(db, tmp_path, settings=smtp_settings(smtp.port))
    env.dispatcher.mailer = SmtpMailer(env.deps.settings)
    try:
        await env.register()
        await env.relay.drain()
        deliveries = env.dispatcher.bus.consume(MAIL_STREAM, MAIL_GROUP, env.dispatcher.consumer)
        entry = await anext(deliveries)

        async def died() -> None:
            raise SystemExit("the process died after sending, before the ack")

        with pytest.raises(SystemExit):
            await env.dispatcher.handle(Delivery(entry.stream, entry.id, entry.data, died))
        await deliveries.aclose()
        assert len(smtp.messages) == 1

        assert await env.dispatcher.pump() == 1  # the unacked entry comes back ...
        assert len(smtp.messages) == 1  # ... and is not sent again
        assert await env.dispatcher.pump() == 0  # acked now
    finally:
        await stop()
