"""Walk-forward backtests of a strategy against benchmarks, reported in R-multiples.

- Folds: train on `train_bars` bars, trade the next `test_bars`, roll forward by `test_bars`
  (or split what follows the first training window into `folds` equal test windows). Each fold's
  models never saw the bars they trade.
- Each fold trains with early stopping on its own time-ordered split (`training.train_models`),
  then refits every model on the whole training window with the number of trees early stopping
  chose (`refit=True`), so the newest bars before the test window are learned from too.
- Decisions are the serving path's: `prediction.from_outputs` then `signals.decide` at the close
  of bar t; fills, exits and costs are `fills.py`'s. One position at a time.
- Benchmarks, on the same bars, folds, geometry and costs: always long and always short (a trade
  at every bar while flat, at `benchmark_rr`), and random entries (seeded) with the strategy's
  trade count per fold and its R:R sequence, on a random side, allowed to overlap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from svc_inference.backtest_stats import r_stats, summarise
from svc_inference.features import amd_phases, build_features
from svc_inference.fills import BarArrays, Costs, Order, Trade, fill, fill_one_at_a_time
from svc_inference.prediction import from_outputs
from svc_inference.signals import LONG, NONE, Strategy, decide
from svc_inference.training import TrainParams, make_dataset, predict_native, train_models

__all__ = ["BOOKS", "BacktestReport", "Costs", "Fold", "Trade", "r_stats", "walk_forward"]

STRATEGY, ALWAYS_LONG, ALWAYS_SHORT, RANDOM = "strategy", "always_long", "always_short", "random"
BOOKS = (STRATEGY, ALWAYS_LONG, ALWAYS_SHORT, RANDOM)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Fold:
    index: int
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    test_start: pd.Timestamp
    test_end: pd.Timestamp
    trees: dict[str, int]
    summary: dict[str, dict[str, Any]]


@dataclass
class BacktestReport:
    trades: list[Trade]
    folds: int
    stats: dict[str, float] = field(default_factory=dict)
    csv_path: Path | None = None
    png_path: Path | None = None
    fold_reports: list[Fold] = field(default_factory=list)
    books: dict[str, list[tuple[int, Trade]]] = field(default_factory=dict)  # book -> (fold, trade)
    summary: dict[str, dict[str, Any]] = field(default_factory=dict)
    html_path: Path | None = None
    json_path: Path | None = None
    settings: dict[str, Any] = field(default_factory=dict)


def fold_windows(
    n: int, train_bars: int, test_bars: int, folds: int | None, horizon: int
) -> list[tuple[int, int]]:
    """(start, stop) row ranges of the test windows; each trains on the `train_bars` rows before start."""
    if train_bars < 1 or n <= train_bars + horizon:
        raise ValueError(f"{n} bars leave no test window after {train_bars} training bars")
    if folds is not None:
        if folds < 1:
            raise ValueError("folds must be at least 1")
        test_bars = (n - train_bars) // folds
        if test_bars <= horizon:
            raise ValueError(f"{folds} folds of {n - train_bars} bars are shorter than the horizon")
        starts = [train_bars + k * test_bars for k in range(folds)]
        return [(s, s + test_bars if k < folds - 1 else n) for k, s in enumerate(starts)]
    if test_bars < 1:
        raise ValueError("test_bars must be at least 1")
    out, start = [], train_bars
    while start + horizon < n:
        out.append((start, min(start + test_bars, n)))
        start += test_bars
    return out


def refit_on_window(trained_models: dict[str, Any], bars: pd.DataFrame, p: TrainParams) -> dict[str, Any]:
    """Each model again on every labelled row of `bars`, with the trees early stopping kept."""
    data = make_dataset(bars, p.horizon, p.sl_atr_multiple)
    out: dict[str, Any] = {}
    for name, model in trained_models.items():
        try:
            trees = int(model.best_iteration) + 1
        except AttributeError:
            trees = int(model.get_params()["n_estimators"])
        params = {**model.get_params(), "n_estimators": trees, "early_stopping_rounds": None}
        refit = type(model)(**params)
        refit.fit(data.X, data.y[name], verbose=False)
        out[name] = refit
    return out


def _trees(models: dict[str, Any]) -> dict[str, int]:
    return {
        name: int(m.get_booster().num_boosted_rounds()) if hasattr(m, "get_booster") else 0
        for name, m in models.items()
    }


@dataclass(frozen=True)
class _Context:
    bars: pd.DataFrame
    arrays: BarArrays
    feats: np.ndarray
    risk: np.ndarray  # sl_atr_multiple x ATR(14) per bar, NaN in warm-up
    phases: np.ndarray
    complete: np.ndarray
    p: TrainParams
    symbol: str
    timeframe: str


def _strategy_orders(
    ctx: _Context, models: dict[str, Any], start: int, stop: int, strategy: Strategy
) -> list[Order]:
    X = ctx.feats[start:stop]
    outputs = list(models)
    out = np.column_stack([predict_native(models[name], X) for name in outputs]).astype(np.float32)
    close, ts = ctx.arrays.close, ctx.arrays.ts
    orders = []
    for j, t in enumerate(range(start, stop)):
        if not ctx.complete[t]:
            continue
        pred = from_outputs(
            out[j],
            outputs,
            symbol=ctx.symbol,
            timeframe=ctx.timeframe,
            horizon=ctx.p.horizon,
            close=float(close[t]),
            atr=float(ctx.risk[t] / ctx.p.sl_atr_multiple),
            amd_phase=int(ctx.phases[t]),
            model_name="backtest",
            model_version=0,
            bar_time=ts[t].to_pydatetime(),
            created_at=ts[t].to_pydatetime(),
        )
        d = decide(pred, strategy, ctx.p.sl_atr_multiple)
        if d.direction != NONE:
            orders.append(Order(t, 1 if d.direction == LONG else -1, d.rr_ratio, abs(d.entry - d.sl)))
    return orders


def _eligible(ctx: _Context, start: int, stop: int) -> np.ndarray:
    rows = np.arange(start, min(stop, len(ctx.arrays) - 1))
    return rows[ctx.complete[rows]]


def _random_trades(
    ctx: _Context, start: int, stop: int, like: list[Trade], costs: Costs, rng: np.random.Generator
) -> list[Trade]:
    rows = _eligible(ctx, start, stop)
    k = min(len(like), rows.size)
    picked = np.sort(rng.choice(rows, size=k, replace=False)) if k else np.array([], dtype=np.int64)
    sides = rng.choice([-1, 1], size=k)
    return [
        fill(ctx.arrays, Order(int(t), int(s), like[j].rr_ratio, float(ctx.risk[t])), ctx.p.horizon, costs)
        for j, (t, s) in enumerate(zip(picked, sides, strict=True))
    ]


def walk_forward(
    bars: pd.DataFrame,
    strategy: Strategy,
    *,
    symbol: str = "",
    timeframe: str = "5m",
    params: TrainParams | None = None,
    train_bars: int = 4000,
    test_bars: int = 1000,
    folds: int | None = None,
    spread: float = 0.0,
    commission: float = 0.0,
    costs: Costs | None = None,
    refit: bool = True,
    benchmark_rr: float = 2.0,
    seed: int = 7,
    progress: Progress | None = None,
) -> BacktestReport:
    """Roll train/test windows over `bars`, trade each test window with `strategy` and the benchmarks.

    `costs` wins over the flat `spread` / `commission` (kept for callers of the older signature)."""
    p = params or TrainParams()
    costs = costs or Costs.flat(spread, commission=commission)
    bars = bars.reset_index(drop=True)
    feats = build_features(bars)
    arrays = BarArrays.of(bars)
    X = feats.to_numpy(dtype=np.float32)
    ctx = _Context(
        bars, arrays, X, p.sl_atr_multiple * feats["atr_norm"].to_numpy() * arrays.close,
        amd_phases(bars), ~np.isnan(X).any(axis=1), p, symbol, timeframe,
    )  # fmt: skip
    windows = fold_windows(len(bars), train_bars, test_bars, folds, p.horizon)
    rng = np.random.default_rng(seed)
    books: dict[str, list[tuple[int, Trade]]] = {b: [] for b in BOOKS}
    busy = dict.fromkeys((STRATEGY, ALWAYS_LONG, ALWAYS_SHORT), -1)
    reports: list[Fold] = []
    for k, (start, stop) in enumerate(windows):
        window = bars.iloc[start - train_bars : start]
        models = train_models(window, p).models
        if refit:
            models = refit_on_window(models, window, p)
        fold: dict[str, list[Trade]] = {}
        orders = {
            STRATEGY: _strategy_orders(ctx, models, start, stop, strategy),
            ALWAYS_LONG: [
                Order(int(t), 1, benchmark_rr, float(ctx.risk[t])) for t in _eligible(ctx, start, stop)
            ],
            ALWAYS_SHORT: [
                Order(int(t), -1, benchmark_rr, float(ctx.risk[t])) for t in _eligible(ctx, start, stop)
            ],
        }
        for book, book_orders in orders.items():
            fold[book], busy[book] = fill_one_at_a_time(arrays, book_orders, p.horizon, costs, busy[book])
        fold[RANDOM] = _random_trades(ctx, start, stop, fold[STRATEGY], costs, rng)
        for book, trades in fold.items():
            books[book].extend((k, t) for t in trades)
        ts = arrays.ts
        reports.append(
            Fold(
                k, ts[start - train_bars], ts[start - 1], ts[start], ts[stop - 1], _trees(models),
                {book: summarise(trades, seed=seed + k) for book, trades in fold.items()},
            )
        )  # fmt: skip
        if progress is not None:
            progress(k + 1, len(windows))
    trades = [t for _, t in books[STRATEGY]]
    summary = {book: summarise([t for _, t in books[book]], seed=seed) for book in BOOKS}
    return BacktestReport(
        trades=trades,
        folds=len(windows),
        stats=r_stats(np.array([t.r for t in trades])),
        fold_reports=reports,
        books=books,
        summary=summary,
        settings={
            "symbol": symbol, "timeframe": timeframe, "strategy": strategy.name, "bars": len(bars),
            "train_bars": train_bars, "test_bars": windows[0][1] - windows[0][0], "folds": len(windows),
            "horizon": p.horizon, "sl_atr_multiple": p.sl_atr_multiple, "refit": refit,
            "benchmark_rr": benchmark_rr, "seed": seed, "spread_by_hour": list(costs.spread_by_hour),
            "slippage": costs.slippage, "commission": costs.commission,
        },
    )  # fmt: skip
