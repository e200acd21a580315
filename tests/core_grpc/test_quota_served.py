"""Plan quotas count only calls that were served: a call refused as bad input, or failing on our
side (no model loaded, not implemented), gives its charge back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from trading.inference.v1 import inference_messages_pb2 as inf
from trading.inference.v1 import inference_service_pb2_grpc as inf_grpc

from core.auth import Authenticator
from core.clock import Clock
from core.errors import Unavailable
from core.interceptor import ChassisInterceptor
from core.keys import KeyStore
from core.kv import MemoryKeyValue
from core.quotas import limit_for
from core.server import create_server

FREE_ML_CALLS = limit_for("ml", "free")[0]


class PredictionsForTests(inf_grpc.InferenceServiceServicer):
    """GetPrediction fails while `loaded` is False, then answers."""

    loaded = False

    async def GetPrediction(self, request: inf.GetPredictionRequest, context: grpc.aio.ServicerContext):
        if not self.loaded:
            raise Unavailable("no model loaded", reason="NO_MODEL")
        return inf.GetPredictionResponse()


@pytest.fixture
async def served() -> AsyncIterator[tuple[inf_grpc.InferenceServiceStub, PredictionsForTests, tuple]]:
    clock = Clock()
    keys = KeyStore.ephemeral("https://trading.test", "trading-api", clock)
    servicer = PredictionsForTests()
    interceptor = ChassisInterceptor(Authenticator(keys, None), MemoryKeyValue(clock))
    server, port = await create_server(
        "127.0.0.1:0",
        [(inf_grpc.add_InferenceServiceServicer_to_server, servicer)],
        ["trading.inference.v1.InferenceService"],
        interceptors=[interceptor],
    )
    token = keys.sign_access_token({"sub": "free-user", "plan": "free"})
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield inf_grpc.InferenceServiceStub(channel), servicer, (("authorization", f"Bearer {token}"),)
    await server.stop(0)


async def _code(call) -> grpc.StatusCode:
    try:
        await call
    except grpc.aio.AioRpcError as e:
        return e.code()
    return grpc.StatusCode.OK


async def test_failed_and_refused_calls_do_not_use_up_a_free_users_quota(served) -> None:
    stub, servicer, md = served
    assert FREE_ML_CALLS is not None
    for _ in range(FREE_ML_CALLS + 2):
        code = await _code(stub.GetPrediction(inf.GetPredictionRequest(symbol="EURUSD"), metadata=md))
        assert code == grpc.StatusCode.UNAVAILABLE
        code = await _code(stub.GetPrediction(inf.GetPredictionRequest(symbol="no spaces!"), metadata=md))
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        code = await _code(stub.ListSignals(inf.ListSignalsRequest(symbol="EURUSD"), metadata=md))
        assert code == grpc.StatusCode.UNIMPLEMENTED
    servicer.loaded = True
    codes = [
        await _code(stub.GetPrediction(inf.GetPredictionRequest(symbol="EURUSD"), metadata=md))
        for _ in range(FREE_ML_CALLS + 1)
    ]
    assert codes == [grpc.StatusCode.OK] * FREE_ML_CALLS + [grpc.StatusCode.RESOURCE_EXHAUSTED]
