"""The ML engine's own settings, from TRADING_INFERENCE_* environment variables."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class InferenceSettings(BaseSettings):
    """Training, serving and scheduling knobs for svc_inference."""

    model_config = SettingsConfigDict(
        env_prefix="TRADING_INFERENCE_", extra="ignore", protected_namespaces=()
    )

    default_timeframe: str = "5m"
    default_horizon: int = 18
    history_bars: int = 300
    """bars read per prediction: enough for the longest feature window (SMA 50) plus slack."""
    new_bar_retry_s: float = 2.0
    """when a bar should have closed but the source has none newer yet, ask again after this."""
    recent_signals_cache_s: float = 5.0
    """how long ListSignals reuses the stored signals it read (a local store drops it at once)."""
    active_symbols: list[str] | None = None
    """the symbols signals are made for and first models trained on; None: every symbol market
    data lists (its instrument model), [] none."""
    default_strategy: str = "conservative"
    schedule_interval_s: float = 900.0
    scheduler_lock_ttl_s: float = 600.0
    prediction_cache_ttl_s: int = 3600
    signal_validity_bars: int = 3
    """a signal is valid for this many bars of its timeframe after the bar it was made from."""
    sl_atr_multiple: float = 1.0
    """the stop distance in ATR(14) units, shared by labels, signals and backtests."""
    prefer_gpu: bool = True
    onnx_intra_op_threads: int = 0
    """threads for batch sessions; 0 picks min(4, cpu count). One-row sessions always use 1."""
    inline_rows: int = 16
    """predicts of at most this many rows run on the event loop; bigger ones go to a thread pool."""
    parity_tolerance: float = 1e-4
    n_estimators: int = 300
    max_depth: int = 6
    learning_rate: float = 0.05
    early_stopping_rounds: int = 30
    seed: int = 42
