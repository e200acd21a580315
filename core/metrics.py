"""Prometheus metrics shared by every service."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

RPC_LATENCY = Histogram(
    "grpc_server_handling_seconds",
    "Time to handle an RPC, by method and status code.",
    ["method", "code"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RPC_STARTED = Counter("grpc_server_started_total", "RPCs started, by method.", ["method"])
INFERENCE_LATENCY = Histogram(
    "inference_seconds",
    "Model inference time, by model and provider.",
    ["model", "provider"],
    buckets=(0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1),
)
BUS_LAG = Histogram(
    "bus_lag_seconds",
    "Delay between an event's creation and its delivery to a consumer.",
    ["channel_kind"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
BREAKER_STATE = Counter(
    "circuit_breaker_transitions_total", "Circuit breaker state changes.", ["name", "state"]
)
