"""The live scorecard: every stored signal resolved against the bars that follow it.

A LONG or SHORT signal made from bar t is entered at its entry price (bar t's close) and walked
over bars t+1 .. t+horizon with the label rule: a bar opening beyond a level exits at that open
(a gap fills at the open, not at the level); otherwise a bar touching the stop exits at the stop
(touching both counts as the stop), one touching the target at the target; neither within the
horizon expires at the last bar's close. R = side x (exit − entry) / risk − cost / risk, the cost
being the spread of the entry's session. Outcomes are stored once per signal
(`ml.signal_outcomes`) and aggregated per symbol, model version and strategy, with a bootstrap
interval of the mean R, beside the mean expected R the model promised for the same signals; a
drift alarm is raised when, with at least `min_signals`, the promise lies outside the interval.

A second alarm compares the live signals with the walk-forward's promise for the same model
version and strategy (`metrics.gate.promise`, see promise.py): the live mean R before costs, with
its interval, against the walk-forward's mean R and interval; `backtest_drift` when the two
intervals do not overlap. Both alarms are exported as the gauge `ml_signal_drift` (1 in drift)
for the `MlSignalsDrift` alert (deploy/prometheus/alerts.yml).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from prometheus_client import Gauge
from sqlalchemy import select

from core.clock import Clock
from core.db import Database
from quant.bars import TIMEFRAME_SECONDS
from svc_inference.bar_source import BarSource
from svc_inference.instruments import instruments_of
from svc_inference.models import EntrySignalRow, ModelVersionRow, SignalOutcomeRow
from svc_inference.signal_store import StoredSignal, stored
from svc_inference.signals import LONG

log = logging.getLogger(__name__)
TP, SL, EXPIRY = "tp", "sl", "expiry"
MAX_BARS = 5000
DRIFT = Gauge(
    "ml_signal_drift",
    "1 when a model's live signals part from what it promised: kind=promise (their own expected R) "
    "or kind=backtest (the walk-forward's mean R and interval).",
    ["symbol", "model", "strategy", "kind"],
    multiprocess_mode="mostrecent",  # the scorecard's last pass, whichever worker held its lease
)
Promises = dict[tuple[str, int], dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class Outcome:
    """How one signal ended."""

    outcome: str
    exit_time: datetime
    exit_price: float
    cost_r: float
    r: float


def resolve(signal: StoredSignal, after: pd.DataFrame, cost: float) -> Outcome | None:
    """The outcome of `signal` over `after` (the bars after its bar, oldest first); None until
    `horizon` bars have closed."""
    if len(after) < signal.horizon:
        return None
    bars = after.iloc[: signal.horizon]
    step = timedelta(seconds=TIMEFRAME_SECONDS[signal.timeframe])
    side = 1.0 if signal.direction == LONG else -1.0
    risk = abs(signal.entry - signal.sl)
    cost_r = cost / risk

    def done(kind: str, ts: datetime, price: float) -> Outcome:
        return Outcome(kind, ts + step, price, cost_r, side * (price - signal.entry) / risk - cost_r)

    for ts, o, h, lo in zip(bars["ts"], bars["open"], bars["high"], bars["low"], strict=True):
        when = pd.Timestamp(ts).to_pydatetime()
        if side * (o - signal.sl) <= 0:
            return done(SL, when, float(o))
        if side * (o - signal.tp) >= 0:
            return done(TP, when, float(o))
        if (lo <= signal.sl) if side > 0 else (h >= signal.sl):
            return done(SL, when, signal.sl)
        if (h >= signal.tp) if side > 0 else (lo <= signal.tp):
            return done(TP, when, signal.tp)
    last = bars.iloc[-1]
    return done(EXPIRY, pd.Timestamp(last["ts"]).to_pydatetime(), float(last["close"]))


@dataclass(frozen=True)
class ScoreLine:
    """The scorecard of one symbol, model version and strategy."""

    symbol: str
    model_name: str
    model_version: int
    strategy: str
    signals: int
    take_profits: int
    stops: int
    expiries: int
    win_rate: float
    mean_r: float
    total_r: float
    mean_r_lower: float
    mean_r_upper: float
    promised_r: float
    drift: bool
    note: str
    backtest_trades: int = 0
    backtest_mean_r: float = 0.0
    backtest_lower: float = 0.0
    backtest_upper: float = 0.0
    backtest_drift: bool = False


def mean_ci(r: np.ndarray, *, n: int = 1000, confidence: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Bootstrap interval of the mean of `r` (signals resolve independently of each other)."""
    if r.size == 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = r[rng.integers(0, r.size, size=(n, r.size))].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def versus_backtest(
    members: Sequence[Any], promised: dict[str, Any] | None, min_signals: int
) -> tuple[dict[str, Any], str]:
    """The walk-forward's figures for a line and whether the live R before costs parted from them
    (both 95% intervals, not overlapping, with at least `min_signals` signals)."""
    if not promised or not promised.get("trades"):
        return {}, ""
    gross = np.array([m.r + m.cost_r for m in members])
    lo, hi = mean_ci(gross)
    apart = gross.size >= min_signals and (hi < promised["lower"] or lo > promised["upper"])
    figures = {
        "backtest_trades": int(promised["trades"]),
        "backtest_mean_r": float(promised["mean_r"]),
        "backtest_lower": float(promised["lower"]),
        "backtest_upper": float(promised["upper"]),
        "backtest_drift": bool(apart),
    }
    note = (
        f"before costs live {gross.mean():+.2f}R [{lo:+.2f}, {hi:+.2f}] vs walk-forward "
        f"{promised['mean_r']:+.2f}R [{promised['lower']:+.2f}, {promised['upper']:+.2f}]"
        if apart
        else ""
    )
    return figures, note


def aggregate(
    rows: Sequence[Any], min_signals: int = 20, promises: Promises | None = None
) -> list[ScoreLine]:
    """Scorecard lines from outcome rows (anything with SignalOutcomeRow's attribute names);
    `promises` are the walk-forward figures per (model name, version) and strategy."""
    groups: dict[tuple[str, str, int, str], list[Any]] = defaultdict(list)
    for row in rows:
        groups[(row.symbol, row.model_name, row.model_version, row.strategy)].append(row)
    lines = []
    for (symbol, name, version, strategy), members in sorted(groups.items()):
        r = np.array([m.r for m in members])
        promised = [m.expected_r for m in members if m.expected_r is not None]
        lo, hi = mean_ci(r)
        promise = float(np.mean(promised)) if promised else 0.0
        drift = bool(promised) and r.size >= min_signals and not lo <= promise <= hi
        kinds = [m.outcome for m in members]
        note = (
            f"realised {r.mean():+.2f}R [{lo:+.2f}, {hi:+.2f}] vs promised {promise:+.2f}R" if drift else ""
        )
        backtest, backtest_note = versus_backtest(
            members, (promises or {}).get((name, version), {}).get(strategy), min_signals
        )
        note = "; ".join(n for n in (note, backtest_note) if n)
        lines.append(
            ScoreLine(
                symbol=symbol,
                model_name=name,
                model_version=version,
                strategy=strategy,
                signals=int(r.size),
                take_profits=kinds.count(TP),
                stops=kinds.count(SL),
                expiries=kinds.count(EXPIRY),
                win_rate=float(np.mean(r > 0)),
                mean_r=float(r.mean()),
                total_r=float(r.sum()),
                mean_r_lower=lo,
                mean_r_upper=hi,
                promised_r=promise,
                drift=drift,
                note=note,
                **backtest,
            )
        )
    return lines


def export_drift(lines: Sequence[ScoreLine]) -> None:
    """Set `ml_signal_drift` for every line (1 in drift, 0 not)."""
    for line in lines:
        labels = (line.symbol, line.model_name, line.strategy)
        DRIFT.labels(*labels, "promise").set(1.0 if line.drift else 0.0)
        DRIFT.labels(*labels, "backtest").set(1.0 if line.backtest_drift else 0.0)


class Scorecard:
    """Resolves stored signals once their horizon has passed, and serves the aggregates."""

    def __init__(
        self, db: Database, bars: BarSource, clock: Clock, *, min_signals: int = 20, cache_s: float = 5.0
    ) -> None:
        self.db = db
        self.bars = bars
        self.instruments = instruments_of(bars)
        self.clock = clock
        self.min_signals = min_signals
        self.cache_s = cache_s
        # the lines per filter, kept a few seconds: every ListSignals carries them, outcomes
        # arrive once a minute; resolving here drops them at once
        self._lines: dict[tuple[str, str, str], tuple[float, list[ScoreLine]]] = {}
        self._exported = False  # the drift gauges are set once at start, then on each new outcome

    async def _unresolved(self, limit: int) -> list[StoredSignal]:
        async with self.db.session() as s:
            rows = await s.scalars(
                select(EntrySignalRow)
                .outerjoin(SignalOutcomeRow, SignalOutcomeRow.signal_id == EntrySignalRow.id)
                .where(SignalOutcomeRow.signal_id.is_(None))
                .order_by(EntrySignalRow.created_at)
                .limit(limit)
            )
            return [stored(r) for r in rows]

    async def resolve_due(self, limit: int = 500) -> int:
        """Resolve every stored signal whose horizon has closed; returns how many were stored."""
        now = self.clock.now()
        due: dict[tuple[str, str], list[StoredSignal]] = defaultdict(list)
        for sig in await self._unresolved(limit):
            step = TIMEFRAME_SECONDS[sig.timeframe]
            if sig.bar_time + timedelta(seconds=step * (sig.horizon + 1)) <= now:
                due[(sig.symbol, sig.timeframe)].append(sig)
        found: list[tuple[StoredSignal, Outcome]] = []
        model = await self.instruments.instruments()
        for (symbol, timeframe), signals in due.items():
            step = TIMEFRAME_SECONDS[timeframe]
            oldest = min(s.bar_time for s in signals)
            count = min(MAX_BARS, int((now - oldest).total_seconds() // step) + 10)
            try:
                bars = await self.bars.recent(symbol, timeframe, count)
            except Exception:
                log.exception("no bars to resolve signals of %s %s", symbol, timeframe)
                continue
            ts = pd.to_datetime(bars["ts"], utc=True)
            bars = bars[(ts + pd.Timedelta(seconds=step) <= pd.Timestamp(now)).to_numpy()]  # closed only
            ts_ns = pd.to_datetime(bars["ts"], utc=True).to_numpy(dtype="datetime64[ns]")
            for sig in signals:
                first = int(
                    np.searchsorted(
                        ts_ns, np.datetime64(pd.Timestamp(sig.bar_time).tz_convert(None)), "right"
                    )
                )
                after = bars.iloc[first : first + sig.horizon]
                outcome = resolve(
                    sig, after, model.session_spread(symbol, sig.bar_time + timedelta(seconds=step))
                )
                if outcome is not None:
                    found.append((sig, outcome))
        if found:
            await self._store(found, now)
            self._lines.clear()
        if found or not self._exported:
            export_drift(await self.lines())
            self._exported = True
        return len(found)

    async def _store(self, found: list[tuple[StoredSignal, Outcome]], now: datetime) -> None:
        async with self.db.transaction() as s:
            for sig, o in found:
                s.add(
                    SignalOutcomeRow(
                        signal_id=sig.id,
                        symbol=sig.symbol,
                        model_name=sig.model_name,
                        model_version=sig.model_version,
                        strategy=sig.strategy,
                        direction=sig.direction,
                        outcome=o.outcome,
                        exit_time=o.exit_time,
                        exit_price=o.exit_price,
                        cost_r=o.cost_r,
                        r=o.r,
                        expected_r=sig.expected_r,
                        resolved_at=now,
                    )
                )

    async def lines(self, *, symbol: str = "", model_name: str = "", strategy: str = "") -> list[ScoreLine]:
        key = (symbol.upper(), model_name, strategy)
        hit = self._lines.get(key)
        if hit is not None and self.clock.monotonic() < hit[0]:
            return hit[1]
        lines = await self._read_lines(*key)
        self._lines[key] = (self.clock.monotonic() + self.cache_s, lines)
        return lines

    async def _read_lines(self, symbol: str, model_name: str, strategy: str) -> list[ScoreLine]:
        o = SignalOutcomeRow
        query = select(
            o.symbol, o.model_name, o.model_version, o.strategy, o.outcome, o.r, o.cost_r, o.expected_r
        )
        if symbol:
            query = query.where(SignalOutcomeRow.symbol == symbol.upper())
        if model_name:
            query = query.where(SignalOutcomeRow.model_name == model_name)
        if strategy:
            query = query.where(SignalOutcomeRow.strategy == strategy)
        async with self.db.session() as s:
            rows = list((await s.execute(query)).all())
            versions = {(r.model_name, r.model_version) for r in rows}
            promises = await _promises(s, versions) if versions else {}
        return aggregate(rows, self.min_signals, promises)


async def _promises(s: Any, versions: set[tuple[str, int]]) -> Promises:
    """The walk-forward promise stored with each of these model versions (empty when none)."""
    v = ModelVersionRow
    found = await s.execute(select(v.name, v.version, v.metrics).where(v.name.in_({n for n, _ in versions})))
    return {
        (name, version): (metrics or {}).get("gate", {}).get("promise", {})
        for name, version, metrics in found
        if (name, version) in versions
    }
