from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from quant import indicators as ind
from svc_inference.backtest import BOOKS, BacktestReport, r_stats, walk_forward
from svc_inference.backtest_report import write_report
from svc_inference.backtest_stats import bootstrap_ci, summarise
from svc_inference.commands import backtest_command, train_command
from svc_inference.fills import BarArrays, Costs, Order, fill_one_at_a_time
from svc_inference.models import Base
from svc_inference.signals import strategy_named
from tests.simulated_bars import simulate_bars

HOURLY_SPREAD = Costs(tuple(h * 0.01 for h in range(24)), slippage=0.05, commission=0.1)


def _scripted() -> pd.DataFrame:
    ohlc = [
        (100.0, 100.5, 99.5, 100.0),  # 06:00  A decided at this close
        (100.0, 101.0, 99.8, 100.8),  # 07:00  A enters at 100, SL 99, TP 102: nothing touched
        (100.8, 102.5, 100.5, 102.2),  # 08:00  A: TP 102. B (short) decided at this close
        (102.0, 102.6, 101.5, 102.4),  # 09:00  B enters at 102, SL 103, TP 100; E decided (B open)
        (104.0, 104.5, 103.8, 104.2),  # 10:00  B: opens through the stop, exits at the open 104
        (104.2, 106.0, 103.5, 104.5),  # 11:00  C enters 104.2, SL 103.7, TP 105.7: both touched
        (104.0, 104.5, 103.6, 104.1),  # 12:00  D enters 104
        (104.1, 104.4, 103.9, 104.0),  # 13:00  D: horizon reached, exits at the close 104.0
    ]
    ts = pd.date_range("2024-01-01 06:00", periods=len(ohlc), freq="1h", tz="UTC")
    return pd.DataFrame(ohlc, columns=["open", "high", "low", "close"]).assign(ts=ts)


def test_a_scripted_series_matches_the_hand_computation() -> None:
    orders = [
        Order(0, +1, 2.0, 1.0),  # A
        Order(2, -1, 2.0, 1.0),  # B
        Order(3, +1, 2.0, 1.0),  # E: decided while B is open, skipped
        Order(4, +1, 3.0, 0.5),  # C
        Order(5, +1, 2.0, 1.0),  # D
    ]
    trades, busy = fill_one_at_a_time(BarArrays.of(_scripted()), orders, 2, HOURLY_SPREAD)
    got = [(t.side, t.entry, t.sl, t.tp, t.exit_time.hour, t.exit_price, t.exit_reason) for t in trades]
    assert got == [
        ("LONG", 100.0, 99.0, 102.0, 8, 102.0, "tp"),
        ("SHORT", 102.0, 103.0, 100.0, 10, 104.0, "sl_gap"),
        ("LONG", 104.2, 103.7, 105.7, 11, 103.7, "sl_both"),
        ("LONG", 104.0, 103.0, 106.0, 13, 104.0, "timeout"),
    ]
    # costs: half the spread of the entry hour and of the exit hour (0.01 x hour), 2 x 0.05 slippage,
    # 0.1 commission
    expected_costs = [0.075 + 0.2, 0.095 + 0.2, 0.11 + 0.2, 0.125 + 0.2]
    assert [t.costs for t in trades] == pytest.approx(expected_costs, abs=1e-12)
    assert [t.r for t in trades] == pytest.approx([1.725, -2.295, -1.0 - 0.62, -0.325], abs=1e-12)
    assert busy == 7


def test_a_target_gapped_through_fills_at_the_better_open() -> None:
    bars = _scripted()
    trades, _ = fill_one_at_a_time(BarArrays.of(bars), [Order(2, +1, 1.0, 1.5)], 5, Costs())
    assert (trades[0].entry, trades[0].tp, trades[0].exit_price, trades[0].exit_reason) == (
        102.0,
        103.5,
        104.0,
        "tp_gap",
    )
    assert trades[0].r == pytest.approx(2.0 / 1.5)


def test_r_statistics_of_a_known_sequence() -> None:
    s = r_stats(np.array([2.0, -1.0, -1.0, 3.0, -1.0]))
    assert s["trades"] == 5
    assert s["win_rate"] == 0.4
    assert s["total_r"] == 2.0
    assert s["avg_r"] == 0.4 == s["expectancy_r"]
    assert s["profit_factor"] == 5.0 / 3.0
    assert s["max_drawdown_r"] == 2.0


def test_bootstrap_interval_holds_the_mean_and_is_seeded() -> None:
    r = np.random.default_rng(3).normal(0.1, 1.0, 200)
    ci = bootstrap_ci(r, seed=5)
    assert ci["avg_r_ci"][0] < r.mean() < ci["avg_r_ci"][1]
    assert ci["total_r_ci"][0] < r.sum() < ci["total_r_ci"][1]
    assert ci == bootstrap_ci(r, seed=5)
    assert bootstrap_ci(np.array([1.0])) == {}


def _replay(
    row: pd.Series, bars: pd.DataFrame, costs: Costs, horizon: int
) -> tuple[pd.Timestamp, float, str, float]:
    """An independent reading of docs/backtest.md's rule: walk the bars from the entry."""
    index = {t: i for i, t in enumerate(bars["ts"])}
    e = index[pd.Timestamp(row.entry_time)]
    s = index[pd.Timestamp(row.signal_time)]
    assert e == s + 1
    assert row.entry == bars["open"].iloc[e]
    sign = 1 if row.side == "LONG" else -1
    exit_i, price, reason = min(s + horizon, len(bars) - 1), 0.0, ""
    for i in range(e, exit_i + 1):
        o, h, lo = bars["open"].iloc[i], bars["high"].iloc[i], bars["low"].iloc[i]
        if sign * (o - row.sl) <= 0:
            exit_i, price, reason = i, o, "sl_gap"
        elif sign * (o - row.tp) >= 0:
            exit_i, price, reason = i, o, "tp_gap"
        else:
            stop = lo <= row.sl if sign > 0 else h >= row.sl
            take = h >= row.tp if sign > 0 else lo <= row.tp
            if stop or take:
                exit_i, price, reason = (
                    i,
                    row.sl if stop else row.tp,
                    ("sl_both" if take else "sl") if stop else "tp",
                )
        if reason:
            break
    if not reason:
        price, reason = bars["close"].iloc[exit_i], "timeout" if s + horizon < len(bars) else "end"
    paid = (costs.spread_at(bars["ts"].iloc[e]) + costs.spread_at(bars["ts"].iloc[exit_i])) / 2
    paid += 2 * costs.slippage + costs.commission
    return bars["ts"].iloc[exit_i], price, reason, sign * (price - row.entry) / row.risk - paid / row.risk


def test_walk_forward_report_replays_trade_by_trade(tmp_path, small_params) -> None:
    bars = simulate_bars(2400, seed=21)
    costs = Costs(tuple(0.00004 + 0.00001 * (h % 5) for h in range(24)), slippage=0.00001, commission=0.00002)
    strategy = strategy_named("aggressive_filter")
    report = walk_forward(
        bars, strategy, symbol="EURUSD", params=small_params, train_bars=1200, folds=3, costs=costs, seed=4
    )
    report = write_report(report, tmp_path, "eurusd")
    assert report.csv_path and report.json_path and report.png_path and report.html_path  # noqa: PT018
    assert report.folds == 3 == len(report.fold_reports)
    assert report.trades, "the strategy never traded"
    frame = pd.read_csv(report.csv_path, parse_dates=["signal_time", "entry_time", "exit_time"])
    assert set(frame["book"]) == set(BOOKS)
    atr = small_params.sl_atr_multiple * ind.atr(
        bars["high"].to_numpy(), bars["low"].to_numpy(), bars["close"].to_numpy(), 14
    )
    ts_index = {t: i for i, t in enumerate(bars["ts"])}
    for row in frame.itertuples():
        exit_time, price, reason, r = _replay(row, bars, costs, small_params.horizon)
        assert (pd.Timestamp(row.exit_time), row.exit_reason) == (exit_time, reason)
        assert row.exit_price == pytest.approx(price, abs=1e-12)
        assert row.r == pytest.approx(r, abs=1e-9)
        assert row.risk == pytest.approx(atr[ts_index[pd.Timestamp(row.signal_time)]], rel=1e-6)
    for book in ("strategy", "always_long", "always_short"):  # one position at a time, in time order
        rows = frame[frame["book"] == book]
        assert (rows["entry_time"].iloc[1:].to_numpy() > rows["exit_time"].iloc[:-1].to_numpy()).all()
    assert set(frame.loc[frame["book"] == "always_long", "side"]) == {"LONG"}
    assert set(frame.loc[frame["book"] == "always_short", "side"]) == {"SHORT"}
    for fold in report.fold_reports:  # the random book takes the strategy's count in each fold
        assert fold.summary["random"]["trades"] == fold.summary["strategy"]["trades"]
        assert fold.train_end < fold.test_start
        assert min(fold.trees.values()) >= 1
    first_test = report.fold_reports[0].test_start
    assert (frame["signal_time"] >= first_test).all()  # never trades its first training bars
    total = report.summary["strategy"]
    assert total["trades"] == len(report.trades) == (frame["book"] == "strategy").sum()
    assert total["long_trades"] + total["short_trades"] == total["trades"]
    assert total["total_r"] == pytest.approx(frame.loc[frame["book"] == "strategy", "r"].sum())
    summary = json.loads(report.json_path.read_text())
    assert len(summary["folds"]) == 3
    assert set(summary["total"]) == set(BOOKS)
    assert report.png_path.read_bytes()[:4] == b"\x89PNG"
    page = report.html_path.read_text()
    assert "data:image/png;base64," in page
    assert "always_short" in page


def test_walk_forward_is_deterministic(small_params) -> None:
    bars = simulate_bars(1700, seed=8)
    runs = [
        walk_forward(bars, strategy_named("aggressive_filter"), params=small_params, train_bars=1200, folds=1)
        for _ in range(2)
    ]
    assert [t.r for _, t in runs[0].books["random"]] == [t.r for _, t in runs[1].books["random"]]
    assert runs[0].summary == runs[1].summary


def test_summary_json_is_strict_json_when_no_trade_lost(tmp_path) -> None:
    trades, _ = fill_one_at_a_time(BarArrays.of(_scripted()), [Order(0, +1, 2.0, 1.0)], 2, Costs())
    report = BacktestReport(
        trades, 1, summary={"strategy": summarise(trades)}, books={"strategy": [(0, trades[0])]}
    )
    assert report.summary["strategy"]["profit_factor"] == float("inf")
    report = write_report(report, tmp_path, "one")
    assert report.json_path is not None
    assert (
        json.loads(report.json_path.read_text(), parse_constant=pytest.fail)["total"]["strategy"][
            "profit_factor"
        ]
        is None
    )


def test_summary_splits_long_and_short() -> None:
    trades, _ = fill_one_at_a_time(
        BarArrays.of(_scripted()), [Order(0, +1, 2.0, 1.0), Order(2, -1, 2.0, 1.0)], 2, Costs()
    )
    s = summarise(trades)
    assert (s["long_trades"], s["short_trades"]) == (1, 1)
    assert (s["long_total_r"], s["short_total_r"]) == (2.0, -2.0)
    assert s["exit_reasons"] == {"sl_gap": 1, "tp": 1}


def test_backtest_command_keeps_its_flat_spread_signature(tmp_path, small_params) -> None:
    bars = simulate_bars(2200, seed=21)
    report = backtest_command(
        symbol="EURUSD", bars=bars, out_dir=tmp_path, strategy="aggressive_filter", spread=0.00008,
        train_bars=1600, test_bars=300, params=small_params,
    )  # fmt: skip
    assert report.folds == 2
    for t in report.trades:
        assert t.costs == pytest.approx(0.00008)
    assert len(pd.read_csv(report.csv_path).query("book == 'strategy'")) == report.stats["trades"]


async def test_train_command_registers_a_parity_checked_model(make_database, tmp_path, small_params) -> None:
    db = await make_database(Base.metadata)
    outcome = await train_command(
        symbol="EURUSD", bars=simulate_bars(2000, seed=9), db=db, data_dir=tmp_path, params=small_params
    )
    assert outcome.record.version == 1
    assert outcome.max_parity_diff < 1e-4
    assert (tmp_path / "models" / f"{outcome.record.artifact_sha256}.onnx").exists()
