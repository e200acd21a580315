"""A registered user follows their verification link, as a real user would: the mail the platform
wrote under <data_dir>/mail, VerifyEmail with its token, then a refresh for a token whose
email_verified claim is true (money-moving calls check it)."""

from __future__ import annotations

import asyncio
import email
from email import policy
from pathlib import Path

import grpc
from google.rpc import error_details_pb2, status_pb2
from trading.auth.v1 import auth_messages_pb2 as apb
from trading.auth.v1.auth_service_pb2_grpc import AuthServiceStub

Metadata = tuple[tuple[str, str], ...]


def verification_link(mail_dir: Path, address: str) -> str | None:
    for path in sorted(mail_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        part = message.get_body()
        if message["To"] != address or part is None:
            continue
        words = [w for w in part.get_content().split() if "verify-email?token=" in w]
        if words:
            return words[-1]
    return None


async def verify_email(
    channel: grpc.aio.Channel, data_dir: Path, address: str, refresh_token: str
) -> Metadata:
    """The access token metadata after following the link (the mail is written by the outbox)."""
    for _ in range(600):
        link = verification_link(data_dir / "mail", address)
        if link:
            break
        await asyncio.sleep(0.05)  # polling the mail dispatcher's output, bounded
    else:
        raise AssertionError(f"no verification mail for {address}")
    auth = AuthServiceStub(channel)
    await auth.VerifyEmail(apb.VerifyEmailRequest(token=link.split("token=", 1)[1]))
    renewed = await auth.RefreshToken(apb.RefreshTokenRequest(refresh_token=refresh_token))
    return (("authorization", f"Bearer {renewed.access_token}"),)


def reason_of(error: grpc.aio.AioRpcError) -> str:
    """The ErrorInfo reason of a refusal (empty without one)."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info.reason
    return ""
