from __future__ import annotations

import numpy as np
import pandas as pd

from svc_inference.backtest import r_stats
from svc_inference.commands import backtest_command, train_command
from svc_inference.models import Base
from svc_inference.simulate import simulate_bars


def test_r_statistics_of_a_known_sequence() -> None:
    s = r_stats(np.array([2.0, -1.0, -1.0, 3.0, -1.0]))
    assert s["trades"] == 5
    assert s["win_rate"] == 0.4
    assert s["total_r"] == 2.0
    assert s["avg_r"] == 0.4 == s["expectancy_r"]
    assert s["profit_factor"] == 5.0 / 3.0
    assert s["max_drawdown_r"] == 2.0


def test_walk_forward_fills_at_the_next_bar_open_and_writes_the_equity_curve(tmp_path, small_params) -> None:
    bars = simulate_bars(2600, seed=21)
    report = backtest_command(
        symbol="EURUSD", bars=bars, out_dir=tmp_path, strategy="aggressive_filter", spread=0.00008,
        train_bars=1600, test_bars=500, params=small_params,
    )  # fmt: skip
    assert report.folds == 2
    assert report.trades
    opens = bars.set_index("ts")["open"]
    for t in report.trades:
        assert t.entry_time == t.signal_time + pd.Timedelta(minutes=5)
        side = 1 if t.direction == "LONG" else -1
        assert abs(t.entry - (opens[t.entry_time] + side * 0.00004)) < 1e-12
        assert t.exit_time >= t.entry_time
    times = [t.entry_time for t in report.trades]
    assert all(a.exit_time <= b for a, b in zip(report.trades, times[1:], strict=False))  # one at a time
    assert report.trades[0].signal_time >= bars["ts"].iloc[1600]  # never trades its training bars
    assert report.csv_path.exists()
    assert report.png_path.read_bytes()[:4] == b"\x89PNG"
    assert len(pd.read_csv(report.csv_path)) == report.stats["trades"]


async def test_train_command_registers_and_promotes_the_first_model(
    make_database, tmp_path, small_params
) -> None:
    db = await make_database(Base.metadata)
    outcome = await train_command(
        symbol="EURUSD", bars=simulate_bars(2000, seed=9), db=db, data_dir=tmp_path, params=small_params
    )
    assert outcome.promoted
    assert outcome.record.status == "champion"
    assert outcome.max_parity_diff < 1e-4
    assert (tmp_path / "models" / f"{outcome.record.artifact_sha256}.onnx").exists()
