"""svc_broker's own settings, read from TRADING_BROKER_* environment variables."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from svc_broker.investment.config import InvestmentSettings


class BrokerSettings(BaseSettings):
    """How the paper broker fills, margins and watches positions."""

    model_config = SettingsConfigDict(env_prefix="TRADING_BROKER_", extra="ignore")

    account_currency: str = "USD"
    initial_balance_minor: int = 1_000_000  # 10,000.00 USD
    # Adverse slippage on market and stop fills, in pips of the symbol (0: none).
    slippage_pips: Decimal = Decimal("0")
    # Leverage per asset class: margin = notional / leverage.
    leverage: dict[str, int] = {"fx": 30, "metal": 20, "index": 20, "crypto": 2, "stock": 5}
    margin_call_level_percent: Decimal = Decimal("100")
    stop_out_level_percent: Decimal = Decimal("50")
    # A quote older than this is no price: orders are refused rather than filled on a stale price.
    max_quote_age_s: float = 120.0
    # A quote narrower than this share of market's modelled spread for its session is widened to
    # it, symmetrically around the mid (0: quotes are filled as they come).
    model_spread_share: Decimal = Decimal("1")
    # The monitor re-reads every open trigger from the database this often (other processes' changes).
    monitor_resync_s: float = 30.0
    # How often the monitor checks margin levels (stop-out) and expires DAY orders.
    monitor_sweep_s: float = 1.0
    default_page_size: int = 50
    max_page_size: int = 500
    # Investment accounts run inside this service; their settings keep their own prefix
    # (TRADING_INVESTMENT_*).
    investment: InvestmentSettings = Field(default_factory=InvestmentSettings)
