"""Walk-forward backtests of a strategy, reported in R-multiples.

- Walk-forward: train on `train_bars` bars, trade the next `test_bars`, roll forward by
  `test_bars`; each fold's models never saw the bars they trade.
- A signal decided at the close of bar t is filled at the open of bar t+1 (never at a price the
  signal could not have had), paying `spread` (price units, the market data's spread model) and
  `commission` (price units per round trip).
- Stop and target sit `risk` = sl_atr_multiple x ATR(14)[t] and R:R x risk from the fill and are
  resolved bar by bar from t+1 with the labels' rule (`labels.first_touch_wins`: a bar touching
  both is a loss). A trade still open after `horizon` bars exits at that bar's close.
- One position at a time; R = (exit - fill) x side / risk - costs / risk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from svc_inference.features import amd_phases, build_features
from svc_inference.labels import first_touch_wins
from svc_inference.prediction import from_outputs
from svc_inference.signals import LONG, NONE, Strategy, decide
from svc_inference.training import TrainParams, predict_native, train_models


@dataclass(frozen=True)
class Trade:
    signal_time: pd.Timestamp
    entry_time: pd.Timestamp
    exit_time: pd.Timestamp
    direction: str
    entry: float
    exit: float
    risk: float
    rr_ratio: float
    r: float
    outcome: str  # "tp", "sl" or "timeout"


@dataclass
class BacktestReport:
    trades: list[Trade]
    folds: int
    stats: dict[str, float] = field(default_factory=dict)
    csv_path: Path | None = None
    png_path: Path | None = None


def r_stats(r: np.ndarray) -> dict[str, float]:
    """Trades, win rate, average and total R, profit factor, max drawdown in R, expectancy."""
    if r.size == 0:
        return {
            "trades": 0,
            "win_rate": 0.0,
            "avg_r": 0.0,
            "total_r": 0.0,
            "profit_factor": 0.0,
            "max_drawdown_r": 0.0,
            "expectancy_r": 0.0,
        }
    wins, losses = r[r > 0], r[r <= 0]
    equity = np.concatenate(([0.0], np.cumsum(r)))
    gross_loss = -losses.sum()
    win_rate = wins.size / r.size
    return {
        "trades": float(r.size),
        "win_rate": win_rate,
        "avg_r": float(r.mean()),
        "total_r": float(r.sum()),
        "profit_factor": float(wins.sum() / gross_loss) if gross_loss > 0 else float("inf"),
        "max_drawdown_r": float(np.max(np.maximum.accumulate(equity) - equity)),
        "expectancy_r": float(
            win_rate * (wins.mean() if wins.size else 0.0)
            + (1 - win_rate) * (losses.mean() if losses.size else 0.0)
        ),
    }


def _resolve(
    bars: pd.DataFrame, t: int, side: float, rr: float, risk: float, horizon: int, costs: float
) -> Trade:
    o, h, lo, c = (bars[k].to_numpy() for k in ("open", "high", "low", "close"))
    fill = o[t + 1] + side * costs / 2.0  # half the costs on entry, half on exit
    stop, take = fill - side * risk, fill + side * rr * risk
    end = min(t + 1 + horizon, len(bars))
    hs, ls = h[t + 1 : end][None, :], lo[t + 1 : end][None, :]
    won = first_touch_wins(np.array([fill]), np.array([stop]), np.array([take]), hs, ls, long=side > 0)[0]
    hit_sl = (ls[0] <= stop) if side > 0 else (hs[0] >= stop)
    hit_tp = (hs[0] >= take) if side > 0 else (ls[0] <= take)
    if won == 1.0:
        k, price, outcome = int(np.argmax(hit_tp)), take, "tp"
    elif hit_sl.any():
        k, price, outcome = int(np.argmax(hit_sl)), stop, "sl"
    else:
        k, price, outcome = end - t - 2, c[end - 1], "timeout"
    exit_price = price - side * costs / 2.0
    ts = bars["ts"]
    return Trade(
        ts.iloc[t],
        ts.iloc[t + 1],
        ts.iloc[t + 1 + k],
        LONG if side > 0 else "SHORT",
        fill,
        exit_price,
        risk,
        rr,
        (exit_price - fill) * side / risk,
        outcome,
    )


def _fold_trades(
    bars: pd.DataFrame,
    feats: pd.DataFrame,
    phases: np.ndarray,
    models: dict[str, Any],
    start: int,
    stop: int,
    strategy: Strategy,
    p: TrainParams,
    costs: float,
    symbol: str,
    timeframe: str,
    busy_until: int,
) -> tuple[list[Trade], int]:
    X = feats.iloc[start:stop].to_numpy(dtype=np.float32)
    outputs = list(models)
    out = np.column_stack([predict_native(models[name], X) for name in outputs]).astype(np.float32)
    closes = bars["close"].to_numpy()
    trades = []
    for j, t in enumerate(range(start, stop)):
        if t <= busy_until or t + 1 >= len(bars) or np.isnan(X[j]).any():
            continue
        pred = from_outputs(
            out[j],
            outputs,
            symbol=symbol,
            timeframe=timeframe,
            horizon=p.horizon,
            close=float(closes[t]),
            atr=float(feats["atr_norm"].iloc[t] * closes[t]),
            amd_phase=int(phases[t]),
            model_name="backtest",
            model_version=0,
            bar_time=bars["ts"].iloc[t].to_pydatetime(),
            created_at=bars["ts"].iloc[t].to_pydatetime(),
        )
        d = decide(pred, strategy, p.sl_atr_multiple)
        if d.direction == NONE:
            continue
        side = 1.0 if d.direction == LONG else -1.0
        trade = _resolve(bars, t, side, d.rr_ratio, abs(d.entry - d.sl), p.horizon, costs)
        trades.append(trade)
        busy_until = int(bars.index[bars["ts"] == trade.exit_time][0])
    return trades, busy_until


def walk_forward(
    bars: pd.DataFrame,
    strategy: Strategy,
    *,
    symbol: str = "",
    timeframe: str = "5m",
    params: TrainParams | None = None,
    train_bars: int = 4000,
    test_bars: int = 1000,
    spread: float = 0.0,
    commission: float = 0.0,
) -> BacktestReport:
    """Roll train/test windows over `bars` and trade every test window with `strategy`."""
    p = params or TrainParams()
    bars = bars.reset_index(drop=True)
    feats = build_features(bars)
    phases = amd_phases(bars)
    trades: list[Trade] = []
    folds, busy_until, start = 0, -1, train_bars
    while start + p.horizon < len(bars):
        stop = min(start + test_bars, len(bars))
        # the last `horizon` training rows have labels that reach into the test window: train_models
        # drops them because their labels are computed on this slice only (incomplete future)
        fitted = train_models(bars.iloc[start - train_bars : start], p)
        fold, busy_until = _fold_trades(
            bars,
            feats,
            phases,
            fitted.models,
            start,
            stop,
            strategy,
            p,
            spread + commission,
            symbol,
            timeframe,
            busy_until,
        )
        trades.extend(fold)
        folds += 1
        start = stop
    r = np.array([t.r for t in trades])
    return BacktestReport(trades, folds, r_stats(r))


def write_equity(report: BacktestReport, out_dir: Path, name: str) -> BacktestReport:
    """The equity curve in R as CSV and PNG (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(
        {
            "exit_time": [t.exit_time for t in report.trades],
            "direction": [t.direction for t in report.trades],
            "outcome": [t.outcome for t in report.trades],
            "r": [t.r for t in report.trades],
        }
    )
    frame["equity_r"] = frame["r"].cumsum()
    report.csv_path = out_dir / f"{name}_equity.csv"
    frame.to_csv(report.csv_path, index=False)
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(frame["exit_time"], frame["equity_r"], lw=1.2)
    ax.set_title(f"{name}: {len(frame)} trades, total {report.stats.get('total_r', 0.0):.1f} R")
    ax.set_ylabel("equity (R)")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    report.png_path = out_dir / f"{name}_equity.png"
    fig.savefig(report.png_path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return report
