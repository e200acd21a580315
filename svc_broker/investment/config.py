"""Investment settings, read from TRADING_INVESTMENT_* environment variables by the assembly."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from svc_broker.venues.metaapi.client import DEFAULT_BASE_URL, DEFAULT_PROVISIONING_URL


class InvestmentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRADING_INVESTMENT_", extra="ignore")

    # "paper" (the default, `make run`) or "metaapi" (needs the token).
    venue: str = "paper"
    metaapi_token: SecretStr = SecretStr("")
    metaapi_base_url: str = DEFAULT_BASE_URL
    # one MetaAPI account per investment account, created through the provisioning API on this MT server
    metaapi_provisioning_url: str = DEFAULT_PROVISIONING_URL
    metaapi_server: str = "Broker-Demo"
    reconcile_every_s: float = 180.0
    investor_mode_check_s: float = 5.0
