"""svc_agent's own settings, read from TRADING_AGENT_* environment variables."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class AgentSettings(BaseSettings):
    """Which model answers, how far one reply may go, and how much history it reads."""

    model_config = SettingsConfigDict(env_prefix="TRADING_AGENT_", extra="ignore", protected_namespaces=())

    # No key: every reply comes from the templates (the embedded run).
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    model: str = "claude-sonnet-5-5"
    # Retries of a request that failed before its stream started (the SDK's own retries).
    anthropic_max_retries: int = 1
    # Claude's time limit per request; the stream fails over to the templates after it.
    anthropic_timeout_s: float = 30.0
    # The breaker around Claude (seed 9.2 style): failures in a row, then fail fast this long.
    breaker_failures: int = 3
    breaker_reset_s: float = 60.0
    # One reply: at most this many model turns (each tool round is one) and output tokens.
    max_rounds: int = 6
    max_output_tokens: int = 4096
    max_tokens_per_turn: int = 1024
    # History sent with a message, newest first, until this many (estimated) tokens.
    history_token_budget: int = 6000
    # A tool's output is cut to this many characters before the model reads it.
    max_tool_output_chars: int = 6000
    tool_deadline_s: float = 15.0
    # A proposed paper trade waits this long for the user's confirmation.
    proposal_ttl_s: float = 900.0
    default_page_size: int = 20
    # Seed 3.4 step 3: messages a user may send per minute (the daily quota is per plan, seed 7.2).
    messages_per_minute: int = 10
