"""Seed 9.1 on the caller's side: while the inference server is gone, callers get the last
prediction (kept up to 1 h) marked stale with its age; the ML engine breaker (seed 9.2: 5
failures, 60 s) opens and later lets one probe through; past the hour there is nothing to serve."""

from __future__ import annotations

import grpc
import pytest
from prometheus_client import REGISTRY
from trading.inference.v1 import inference_messages_pb2 as pb
from trading.inference.v1 import inference_service_pb2_grpc as rpc

from core.breaker import ML_ENGINE, OPEN
from core.clients import ClientFactory, PredictionsWithFallback
from core.errors import Unavailable
from core.kv import MemoryKeyValue
from core.server import create_server
from core.settings import Settings
from svc_inference.service import InferenceServicer


def served() -> float:
    return REGISTRY.get_sample_value("fallback_served_total", {"dependency": "inference"}) or 0.0


async def test_the_last_prediction_is_served_stale_while_the_engine_is_down(
    kit, trained, bundle, register_champion
) -> None:
    await register_champion(kit, trained, bundle)
    server, port = await create_server(
        "127.0.0.1:0",
        [(rpc.add_InferenceServiceServicer_to_server, InferenceServicer(kit.engine, kit.clock))],
        ["trading.inference.v1.InferenceService"],
    )
    settings = Settings(service_addresses={"inference": f"127.0.0.1:{port}"}, default_deadline_s=2)
    clients = ClientFactory(settings, kit.clock)
    caller_kv = MemoryKeyValue(kit.clock)  # the caller's own Redis, not the engine's cache
    predictions = PredictionsWithFallback(clients, caller_kv, kit.clock)
    request = pb.CreatePredictionRequest(symbol="EURUSD", horizon=18)
    try:
        fresh, age = await predictions.create(request)
        assert age is None
        assert not fresh.prediction.stale

        await server.stop(0)  # the engine process is gone
        kit.clock.advance(120)
        before = served()
        for _ in range(ML_ENGINE.failure_threshold):
            stale, age = await predictions.create(request)
            assert stale.prediction.stale
            assert age == 120
            assert stale.prediction.model_name == fresh.prediction.model_name
            assert stale.prediction.predicted_high == fresh.prediction.predicted_high
        assert served() == before + ML_ENGINE.failure_threshold
        breaker = clients.breaker("inference")
        assert breaker.state == OPEN

        stale, _ = await predictions.create(request)  # the open breaker answers without a call
        assert stale.prediction.stale
        kit.clock.advance(ML_ENGINE.reset_s)
        assert breaker.retry_after_s() == 0  # the next call is the one probe

        kit.clock.advance(3600)
        with pytest.raises((grpc.aio.AioRpcError, Unavailable)):
            await predictions.create(request)
    finally:
        await clients.close()
        await server.stop(0)
