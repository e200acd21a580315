"""svc_billing's own settings, read from TRADING_BILLING_* environment variables."""

from __future__ import annotations

import hashlib
import hmac

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class BillingSettings(BaseSettings):
    """Stripe keys and URLs, wallet limits, the poller's pace."""

    model_config = SettingsConfigDict(env_prefix="TRADING_BILLING_", extra="ignore")

    # Without a secret key the Stripe twin (a local Stripe-compatible server) stands in.
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str = ""  # the twin's address, or a loopback fake in tests; empty: api.stripe.com
    stripe_livemode: bool = False
    stripe_timeout_s: float = 10.0
    # Where the twin listens (0: any free port) and where it sends webhooks ("": the edge).
    twin_host: str = "127.0.0.1"
    twin_port: int = 0
    twin_webhook_url: str = ""
    # Relative paths are resolved against the platform's public URL.
    success_url: str = "/billing/success?session_id={CHECKOUT_SESSION_ID}"
    cancel_url: str = "/billing/cancel"
    currency: str = "USD"
    max_deposit_minor: int = 100_000_000  # 1,000,000.00
    max_transfer_minor: int = 100_000_000
    poll_every_s: float = 300.0  # seed 9.1: a missed webhook is found within 5 minutes
    plan_cache_ttl_s: int = 3600
    default_page_size: int = 20


def twin_webhook_secret(internal_api_key: str) -> str:
    """The signing secret the twin and the edge share when no Stripe secret is configured:
    derived from the deployment's internal key, so every process of one deployment agrees."""
    digest = hmac.new(internal_api_key.encode(), b"stripe-twin-webhook", hashlib.sha256).hexdigest()
    return f"whsec_twin_{digest[:40]}"


def webhook_secret(settings: BillingSettings, internal_api_key: str) -> str:
    if settings.stripe_webhook_secret is not None:
        return settings.stripe_webhook_secret.get_secret_value()
    return twin_webhook_secret(internal_api_key)
