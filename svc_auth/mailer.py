"""Outgoing email, through the transactional outbox.

A change that sends mail (a registration, a new verification link) stages the message in
`auth.outbox` in its own transaction (`queue`), so a rolled-back change sends nothing and a
committed one is never lost. The outbox relay moves committed rows onto the durable stream
`auth.mail`; `MailDispatcher` consumes that stream, sends each message and acks it only after
the send. Delivery is at least once; a message redelivered after a crash is recognised by its
Message-ID (recorded in `auth.sent_mail`) and not sent twice.

Transports: `.eml` files under <data_dir>/mail (embedded run, tests) or SMTP by setting.
"""

from __future__ import annotations

import asyncio
import email
import hashlib
import logging
import smtplib
import socket
import uuid
from contextlib import suppress
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.bus import Bus, Delivery
from core.clock import Clock
from core.db import Database
from core.outbox import stage
from svc_auth.config import AuthSettings
from svc_auth.models import OUTBOX, SentMail

log = logging.getLogger(__name__)

MAIL_STREAM = "auth.mail"
MAIL_GROUP = "auth-mailer"


class Mailer(Protocol):
    """Sends one message."""

    async def send(self, message: EmailMessage) -> None: ...


class PermanentMailError(Exception):
    """The message can never be sent (refused recipient, unreadable message): drop it."""


def compose(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@trading.local>"
    message.set_content(body)
    return message


async def queue(session: AsyncSession, message: EmailMessage, clock: Clock) -> None:
    """Stage `message` for sending in the caller's transaction."""
    await stage(session, MAIL_STREAM, message.as_bytes(), table=OUTBOX, durable=True, clock=clock)


class FileMailer:
    """Writes each message as an .eml file in a folder, named after its Message-ID."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _write(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        key = str(message["Message-ID"] or uuid.uuid4().hex)
        path = self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(message.as_bytes())
        tmp.rename(path)  # readers never see half a message; the same message replaces itself

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._write, message)


class SmtpMailer:
    """Sends through an SMTP server, with STARTTLS unless told otherwise."""

    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings

    def _send(self, message: EmailMessage) -> None:
        s = self.settings
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as e:
            raise PermanentMailError(f"every recipient was refused: {e.recipients}") from e
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as e:
            if 500 <= e.smtp_code < 600:
                raise PermanentMailError(f"the server refused the message: {e.smtp_code}") from e
            raise

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._send, message)


def make_mailer(settings: AuthSettings, data_dir: Path) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    return FileMailer(data_dir / "mail")


class MailDispatcher:
    """Consumes `auth.mail` and sends each message once (a background task of svc_auth).

    A send that fails for a reason that may pass (the SMTP server is down) ends the task without
    acking, so the task's supervisor restarts it after a backoff and the message comes first
    again. A message that can never be sent is logged and acked.
    """

    def __init__(self, db: Database, bus: Bus, mailer: Mailer, clock: Clock, consumer: str = "") -> None:
        self.db = db
        self.bus = bus
        self.mailer = mailer
        self.clock = clock
        # A stable name per host: a restarted mailer gets its own unacked messages back first.
        self.consumer = consumer or f"{socket.gethostname()}-mailer"

    def _consume(self, block_s: float = 1.0):
        return self.bus.consume(MAIL_STREAM, MAIL_GROUP, self.consumer, claim_idle_s=300, block_s=block_s)

    async def run(self) -> None:
        """Send until cancelled."""
        async for delivery in self._consume():
            await self.handle(delivery)

    async def pump(self, idle_s: float = 0.05) -> int:
        """Send what is on the stream now and return once nothing new came for `idle_s`."""
        handled = 0
        deliveries = self._consume(block_s=idle_s)
        try:
            while True:
                try:
                    delivery = await asyncio.wait_for(anext(deliveries), idle_s)
                except TimeoutError:
                    return handled
                await self.handle(delivery)
                handled += 1
        finally:
            try:
                await deliveries.aclose()
            except Exception:  # the drain is over either way; an unacked mail is delivered again
                log.debug("closing the mail stream reader failed", exc_info=True)

    async def handle(self, delivery: Delivery) -> None:
        """Send one message unless it was sent before, then ack it."""
        try:
            message = email.message_from_bytes(delivery.data, policy=policy.default)
            message_id = str(message["Message-ID"] or "").strip()[:255]
            if not isinstance(message, EmailMessage) or not message_id:
                raise PermanentMailError("not a message with a Message-ID")
            if not await self._sent_before(message_id):
                await self.mailer.send(message)
                await self._record(message_id)
        except PermanentMailError:
            log.exception("dropping a message that cannot be sent", extra={"fields": {"entry": delivery.id}})
        await delivery.ack()

    async def _sent_before(self, message_id: str) -> bool:
        async with self.db.session() as s:
            return (
                await s.scalar(select(SentMail.message_id).where(SentMail.message_id == message_id))
                is not None
            )

    async def _record(self, message_id: str) -> None:
        with suppress(IntegrityError):  # another mailer sent it at the same time
            async with self.db.transaction() as s:
                s.add(SentMail(message_id=message_id, sent_at=self.clock.now()))
