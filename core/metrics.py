"""Prometheus metrics shared by every service, and the text exposition every process serves.

Labels are bounded on purpose: a method, a status code, a model, a dependency, an event type,
a channel kind ("ticker", "user"...). Never a user id, a symbol list or anything a client picks.

With several server processes (`trading up` with TRADING_WORKERS, app/workers.py) every process
writes its values to files in PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode,
chosen when the module is imported), and `exposition()` merges every process' files: counters and
histograms are summed, including those of workers that died (a restarted worker's totals are not
lost). A gauge says how its processes' values combine (`multiprocess_mode`); a gauge of this
process' own state takes a "live" mode, whose values go when app/workers.py marks the process dead.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Seed 10.1 thresholds sit on a bucket edge, so alert rules read them exactly.
_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10)

RPC_LATENCY = Histogram(
    "grpc_server_handling_seconds",
    "Time to handle an RPC, by method and status code.",
    ["method", "code"],
    buckets=_LATENCY_BUCKETS,
)
RPC_STARTED = Counter("grpc_server_started_total", "RPCs started, by method.", ["method"])
INFERENCE_LATENCY = Histogram(
    "inference_seconds",
    "Model inference time, by model and provider.",
    ["model", "provider"],
    buckets=(0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5),
)
BUS_LAG = Histogram(
    "bus_lag_seconds",
    "Delay between an event's creation and its publication (stage=outbox) or delivery to a "
    "durable consumer (stage=deliver), by channel kind.",
    ["channel_kind", "stage"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BUS_RECONNECTS = Counter(
    "bus_reconnects_total",
    "Reconnections of bus readers after the broker was lost, by kind (pubsub, stream).",
    ["kind"],
)
WS_FANOUT_LAG = Histogram(
    "websocket_fanout_lag_seconds",
    "Delay between an event's creation and its send to a WebSocket client, by channel kind.",
    ["channel_kind"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
WEBHOOK_DELAY = Histogram(
    "webhook_delay_seconds",
    "Delay between a vendor creating a webhook event and the platform applying it, by vendor.",
    ["vendor"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
DB_QUERY = Histogram(
    "db_query_seconds",
    "Database statement time, by statement kind (select, insert, update, delete, other).",
    ["operation"],
    buckets=_LATENCY_BUCKETS,
)
BREAKER_STATE = Counter(
    "circuit_breaker_transitions_total", "Circuit breaker state changes.", ["name", "state"]
)
BREAKER_OPEN = Gauge(
    "circuit_breaker_state",
    "A breaker's current state: 0 closed, 1 half-open, 2 open (several processes: the worst).",
    ["name"],
    multiprocess_mode="livemax",
)
EVENTS_PUBLISHED = Counter(
    "events_published_total",
    "Events published to the bus by the outbox relay, by event type (ml_signal_new = signals "
    "emitted, trade_executed = orders and fills, ...).",
    ["type"],
)
HEALTH_UP = Gauge(
    "dependency_up",
    "1 when the last health check of a dependency passed, else 0 (several processes: 0 if any failed).",
    ["dependency"],
    multiprocess_mode="livemin",
)
HEALTH_CHECK_SECONDS = Histogram(
    "health_check_seconds",
    "Time a health check took, by dependency.",
    ["dependency"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5),
)
FALLBACK_SERVED = Counter(
    "fallback_served_total",
    "Answers served from a fallback (seed 9.1) because the dependency was down, by dependency.",
    ["dependency"],
)
WALLET_MOVEMENTS = Counter(
    "wallet_movements_total",
    "Completed wallet movements, by kind (deposit, refund, investment_deposit, ...).",
    ["kind"],
)
WALLET_MOVED = Counter(
    "wallet_moved_minor_units_total",
    "Money moved in or out of wallets, in minor units of the currency, by kind and direction "
    "(in: credited to a wallet, out: debited).",
    ["kind", "direction", "currency"],
)
GPU_AVAILABLE = Gauge(
    "inference_gpu_available",
    "1 when inference runs on a GPU provider.",
    ["provider"],
    multiprocess_mode="livemax",
)


def webhook_applied(vendor: str, created: datetime, applied: datetime) -> None:
    """A vendor webhook event applied: its delay since the vendor created it (seed 10.1: Stripe
    under 5 s). `vendor` is "stripe" or "metaapi"; both times tz-aware."""
    WEBHOOK_DELAY.labels(vendor).observe(max(0.0, (applied - created).total_seconds()))


def wallet_moved(kind: str, signed_minor: int, currency: str) -> None:
    """One completed wallet movement (after its commit); signed: + credits the wallet."""
    WALLET_MOVEMENTS.labels(kind).inc()
    WALLET_MOVED.labels(kind, "in" if signed_minor > 0 else "out", currency).inc(abs(signed_minor))


def channel_kind(channel: str) -> str:
    """ "ticker" for "ticker:EURUSD", "user" for "user:42:trades": the bounded part of a channel."""
    return channel.split(":", 1)[0] or "none"


@contextmanager
def timed(histogram: Histogram, *labels: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.labels(*labels).observe(time.perf_counter() - started)


# What generate_latest writes; named exactly, so every Prometheus release parses it.
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"


def exposition() -> tuple[bytes, str]:
    """The metrics in the Prometheus text format, and its content type: this process' own, or with
    PROMETHEUS_MULTIPROC_DIR set, those of every process of the run."""
    return generate_latest(_registry()), TEXT_FORMAT


def _registry() -> CollectorRegistry:
    directory = os.environ.get(MULTIPROC_DIR_ENV)
    if not directory:
        return REGISTRY
    merged = CollectorRegistry()
    MultiProcessCollector(merged, path=directory)
    return merged
