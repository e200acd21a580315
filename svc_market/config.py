"""Market data settings, from TRADING_MARKET_* environment variables."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class MarketSettings(BaseSettings):
    """Provider access, demo data, bar alignment, staleness and the provider circuit breaker."""

    model_config = SettingsConfigDict(env_prefix="TRADING_MARKET_", extra="ignore")

    polygon_api_key: SecretStr | None = None
    polygon_base_url: str = "https://api.polygon.io"
    polygon_page_limit: int = 50_000
    demo_symbols: list[str] = ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "BTCUSD", "SPX"]
    demo_days: int = 30
    demo_seed: int = 20240101
    # Simulated series go on as ticks that extend the latest bar (svc_market/demo_feed.py).
    demo_ticks: bool = True
    daily_anchor_hour_utc: int = 0
    stale_after_s: int = 15 * 60
    backfill_days: int = 30
    sync_interval_s: float = 300.0
    sync_batch_rows: int = 10_000
    rate_limit_retries: int = 5
    rate_limit_backoff_s: float = 1.0
    # The legacy MySQL bar store (mysql://user:password@host:port/database): Polygon's fallback
    # while Polygon is rate-limited or its breaker is open (seed 9.1). Unset: no fallback.
    legacy_mysql_url: SecretStr | None = None
    legacy_mysql_timeout_s: float = 10.0
    breaker_failures: int = 3
    breaker_call_timeout_s: float = 60.0
    breaker_reset_s: float = 300.0
    stream_interval_s: float = 1.0
    # Live quotes from Polygon's WebSocket (with a key): ws:// or wss:// and the host[:port] of the feed.
    polygon_ws_enabled: bool = True
    polygon_ws_url: str = "wss://socket.massive.com"
    live_quote_max_age_s: float = 30.0  # an older live quote is not served: the replay takes over
    ws_backoff_initial_s: float = 1.0
    ws_backoff_max_s: float = 60.0
    # Live quotes recorded for spread statistics: at most one per symbol per interval.
    quote_record_interval_s: float = 1.0
    quote_flush_s: float = 5.0
    quote_retention_days: int = 30
    # Live quotes build the forming 5-minute bar; it is written at least this often.
    live_bar_flush_s: float = 5.0
    # Symbols whose price_update events go out every interval whether or not anyone streams them.
    ticker_symbols: list[str] = ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "BTCUSD", "SPX"]

    @property
    def polygon_enabled(self) -> bool:
        return self.polygon_api_key is not None and bool(self.polygon_api_key.get_secret_value())

    @property
    def legacy_mysql_enabled(self) -> bool:
        return self.legacy_mysql_url is not None and bool(self.legacy_mysql_url.get_secret_value())

    @property
    def live_enabled(self) -> bool:
        return self.polygon_enabled and self.polygon_ws_enabled
