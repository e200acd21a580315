"""A backtest's files: every trade as CSV, the figures as JSON, the equity curves as PNG and HTML.

`trades.csv` holds every book's trades (the strategy and each benchmark), one row per trade with
all that is needed to replay it from the bars (see docs/backtest.md, "Replaying a trade").
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from svc_inference.backtest import BOOKS, BacktestReport

CSV_COLUMNS = (
    "book", "fold", "signal_time", "entry_time", "side", "entry", "sl", "tp", "risk", "rr_ratio",
    "exit_time", "exit_price", "exit_reason", "spread_cost", "slippage_cost", "commission", "costs", "r",
)  # fmt: skip
SUMMARY_FIELDS = (
    ("trades", "trades", "{:.0f}"), ("total_r", "total R", "{:+.2f}"), ("avg_r", "avg R", "{:+.3f}"),
    ("avg_r_ci", "avg R 95% CI", "ci"), ("total_r_ci", "total R 95% CI", "ci"),
    ("win_rate", "win rate", "{:.1%}"),
    ("profit_factor", "profit factor", "{:.2f}"), ("max_drawdown_r", "max DD (R)", "{:.2f}"),
    ("long_trades", "long", "{:d}"), ("long_total_r", "long R", "{:+.2f}"), ("short_trades", "short", "{:d}"),
    ("short_total_r", "short R", "{:+.2f}"),
)  # fmt: skip


def jsonable(value: Any) -> Any:
    """`value` with infinite or NaN floats as None (a profit factor with no losing trade is infinite),
    which strict JSON readers accept."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def trades_frame(report: BacktestReport) -> pd.DataFrame:
    rows = []
    for book in BOOKS:
        for fold, t in report.books.get(book, []):
            rows.append(
                {
                    "book": book, "fold": fold, "signal_time": t.signal_time, "entry_time": t.entry_time,
                    "side": t.side, "entry": t.entry, "sl": t.sl, "tp": t.tp, "risk": t.risk,
                    "rr_ratio": t.rr_ratio, "exit_time": t.exit_time, "exit_price": t.exit_price,
                    "exit_reason": t.exit_reason, "spread_cost": t.spread_cost,
                    "slippage_cost": t.slippage_cost, "commission": t.commission, "costs": t.costs, "r": t.r,
                }
            )  # fmt: skip
    return pd.DataFrame(rows, columns=list(CSV_COLUMNS))


def _fmt(value: Any, how: str) -> str:
    if value is None:
        return "—"
    if how == "ci":
        return f"[{value[0]:+.3f}, {value[1]:+.3f}]" if value else "—"
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    return how.format(int(value) if how == "{:d}" else value)


def _table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label, _ in SUMMARY_FIELDS)
    body = "".join(
        f"<tr><th>{html.escape(name)}</th>"
        + "".join(f"<td>{_fmt(stats.get(key), how)}</td>" for key, _, how in SUMMARY_FIELDS)
        + "</tr>"
        for name, stats in rows
    )
    return f"<table><tr><th></th>{head}</tr>{body}</table>"


def equity_png(report: BacktestReport, title: str) -> bytes:
    """Cumulative R by exit time for the strategy and every benchmark (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4.5))
    for book in BOOKS:
        trades = sorted((t for _, t in report.books.get(book, [])), key=lambda t: t.exit_time)
        if not trades:
            continue
        times = [trades[0].entry_time] + [t.exit_time for t in trades]
        equity = pd.Series([0.0] + [t.r for t in trades]).cumsum()
        ax.plot(times, equity, lw=2.0 if book == "strategy" else 1.0, label=f"{book} ({len(trades)})")
    for fold in report.fold_reports[1:]:
        ax.axvline(fold.test_start, color="grey", lw=0.6, ls=":")
    ax.set_title(title)
    ax.set_ylabel("equity (R, after costs)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.autofmt_xdate()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def html_report(report: BacktestReport, png: bytes, title: str) -> str:
    s = report.settings
    folds = "".join(
        f"<h3>Fold {f.index + 1}: trained {f.train_start:%Y-%m-%d %H:%M} → {f.train_end:%Y-%m-%d %H:%M}, "
        f"traded {f.test_start:%Y-%m-%d %H:%M} → {f.test_end:%Y-%m-%d %H:%M}</h3>"
        + _table([(book, f.summary[book]) for book in BOOKS if book in f.summary])
        for f in report.fold_reports
    )
    settings = "".join(f"<li>{html.escape(k)}: {html.escape(str(v))}</li>" for k, v in s.items())
    image = base64.b64encode(png).decode()
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin:.5em 0 1.5em}}
td,th{{border:1px solid #ccc;padding:3px 7px;text-align:right;font-size:13px}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Walk-forward, {report.folds} folds; R after the session spread, slippage and commission.
Benchmarks: always long, always short (a trade at every bar while flat), random entries with the
strategy's trade count and R:R per fold. Intervals: 95% bootstrap over trades.</p>
<img alt="equity curves" src="data:image/png;base64,{image}">
<h2>All folds</h2>{_table([(book, report.summary[book]) for book in BOOKS if book in report.summary])}
<h2>Per fold</h2>{folds}<h2>Settings</h2><ul>{settings}</ul></body></html>"""


def write_report(report: BacktestReport, out_dir: Path, name: str) -> BacktestReport:
    """`<name>_trades.csv`, `<name>_summary.json`, `<name>_equity.png` and `<name>.html` in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    report.csv_path = out_dir / f"{name}_trades.csv"
    trades_frame(report).to_csv(report.csv_path, index=False, float_format="%.17g")
    report.json_path = out_dir / f"{name}_summary.json"
    report.json_path.write_text(
        json.dumps(
            jsonable({"settings": report.settings, "total": report.summary,
             "folds": [{"fold": f.index, "train_start": f.train_start, "train_end": f.train_end,
                        "test_start": f.test_start, "test_end": f.test_end, "trees": f.trees, **f.summary}
                       for f in report.fold_reports]}),
            indent=2, default=str, allow_nan=False,
        )
    )  # fmt: skip
    s = report.settings
    title = f"{s.get('symbol', '')} {s.get('timeframe', '')} {s.get('strategy', name)}: walk-forward backtest"
    png = equity_png(report, title)
    report.png_path = out_dir / f"{name}_equity.png"
    report.png_path.write_bytes(png)
    report.html_path = out_dir / f"{name}.html"
    report.html_path.write_text(html_report(report, png, title))
    return report
