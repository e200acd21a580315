"""Outgoing email: .eml files under <data_dir>/mail (embedded run, tests) or SMTP by setting."""

from __future__ import annotations

import asyncio
import smtplib
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from svc_auth.config import AuthSettings


class Mailer(Protocol):
    """Sends one message."""

    async def send(self, message: EmailMessage) -> None: ...


def compose(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@trading.local>"
    message.set_content(body)
    return message


class FileMailer:
    """Writes each message as an .eml file in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _write(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{uuid.uuid4().hex}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(message.as_bytes())
        tmp.rename(path)  # readers never see half a message

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._write, message)


class SmtpMailer:
    """Sends through an SMTP server, with STARTTLS unless told otherwise."""

    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings

    def _send(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
            smtp.send_message(message)

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._send, message)


def make_mailer(settings: AuthSettings, data_dir: Path) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    return FileMailer(data_dir / "mail")
