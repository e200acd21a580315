"""The broker webhook's wire: MetaAPI-style events signed with HMAC-SHA256 over
`{timestamp}.{body}` (headers `X-Signature: <hex>` and `X-Timestamp: <unix seconds>`), verified
in constant time within a tolerance; verified bodies go to a durable bus stream the broker service
consumes (each deal applied once there)."""

from __future__ import annotations

import hashlib
import hmac

from pydantic_settings import BaseSettings, SettingsConfigDict

WEBHOOK_STREAM = "broker:webhook"
TOLERANCE_S = 300
EVENT_TYPES = frozenset({"trade_executed", "position_closed"})


class BrokerWebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRADING_BROKER_WEBHOOK_", extra="ignore")

    secret: str = ""  # empty: the endpoint answers 503 "not configured" (the all-in-one derives one)


def derived_secret(internal_api_key: str) -> str:
    """The signing secret when none is configured: derived from the deployment's internal key
    (generated on first start), so every process of one deployment agrees, as for Stripe's."""
    return hmac.new(internal_api_key.encode(), b"broker-webhook", hashlib.sha256).hexdigest()


def webhook_secret(settings: BrokerWebhookSettings, internal_api_key: str) -> str:
    if settings.secret or not internal_api_key:
        return settings.secret
    return derived_secret(internal_api_key)


class BadSignature(ValueError):
    pass


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify(secret: str, signature: str | None, timestamp: str | None, body: bytes, now_s: float) -> None:
    if not signature or not timestamp or not timestamp.isdigit():
        raise BadSignature("missing signature or timestamp")
    if abs(now_s - int(timestamp)) > TOLERANCE_S:
        raise BadSignature("timestamp outside the tolerance")
    if not hmac.compare_digest(sign(secret, int(timestamp), body), signature):
        raise BadSignature("signature does not match")
