"""The service as the platform assembles it: `wiring.build` on a real ServiceContext (make_context:
SQLite under data_dir after the migrations, the key store, the key-value store), served by
create_server behind the chassis interceptor, and called as users, an admin and a service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import grpc
import pandas as pd
import pytest
from trading.inference.v1 import inference_messages_pb2 as pb
from trading.inference.v1 import inference_service_pb2_grpc as rpc

from app.credentials import InternalKeyVerifier, internal_api_key
from app.migrate import migrate
from app.runtime import make_context
from core.auth import Authenticator
from core.clock import TestClock
from core.interceptor import ChassisInterceptor
from core.server import create_server
from core.service import ServiceContext
from core.settings import Settings
from svc_inference import SERVICE
from svc_inference.bar_source import FrameBarSource
from svc_inference.config import InferenceSettings
from svc_inference.registry import ArtifactStore, Registry
from svc_inference.wiring import build
from tests.inference.conftest import gated
from tests.market_instruments import market_instruments

NAME = "eurusd_5m_h18"


@dataclass
class Served:
    ctx: ServiceContext
    stub: rpc.InferenceServiceStub
    service_key: str

    def as_user(self, subject: str, *, plan: str = "free", roles: tuple[str, ...] = ("user",)) -> tuple:
        token = self.ctx.keys.sign_access_token(
            {"sub": subject, "email": f"{subject}@example.com", "roles": list(roles), "plan": plan}
        )
        return (("authorization", f"Bearer {token}"),)

    def as_service(self) -> tuple:
        return (("x-api-key", self.service_key),)


@pytest.fixture
async def served(tmp_path, bars: pd.DataFrame) -> AsyncIterator[Served]:
    settings = Settings(data_dir=tmp_path, grpc_host="127.0.0.1", grpc_port=0)
    migrate(settings, [SERVICE])
    last_bar = pd.Timestamp(bars["ts"].iloc[-1]).to_pydatetime()
    ctx = make_context(settings, TestClock(last_bar + timedelta(minutes=6)))
    source = FrameBarSource(instruments=market_instruments())
    source.put("EURUSD", "5m", bars)
    built = await build(ctx, InferenceSettings(active_symbols=["EURUSD"], prefer_gpu=False), bars=source)
    key = internal_api_key(settings)
    interceptor = ChassisInterceptor(Authenticator(ctx.keys, InternalKeyVerifier(key)), ctx.kv)
    server, port = await create_server(
        "127.0.0.1:0", built.servicers, SERVICE.grpc_services, interceptors=[interceptor]
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield Served(ctx, rpc.InferenceServiceStub(channel), key)
    await channel.close()
    await server.stop(0)
    if built.close is not None:
        await built.close()
    await ctx.db.dispose()


async def _register(served: Served, trained, bundle) -> int:
    registry = Registry(served.ctx.db, ArtifactStore(served.ctx.settings.data_dir / "models"))
    record = await registry.register(
        symbol="EURUSD", timeframe="5m", trained=gated(trained), bundle=bundle, now=served.ctx.clock.now()
    )
    return record.version


async def test_a_user_gets_a_signal_once_a_trained_model_is_promoted(served, trained, bundle) -> None:
    user = served.as_user("u-signal")
    with pytest.raises(grpc.aio.AioRpcError) as before:
        await served.stub.ListSignals(pb.ListSignalsRequest(symbol="EURUSD"), metadata=user)
    assert before.value.code() == grpc.StatusCode.UNAVAILABLE  # no champion yet

    version = await _register(served, trained, bundle)
    promote = pb.PromoteModelRequest(name=NAME, version=version)
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await served.stub.PromoteModel(promote, metadata=user)
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    admin = served.as_user("u-admin", roles=("admin", "user"))
    promoted = (await served.stub.PromoteModel(promote, metadata=admin)).model
    assert (promoted.version, promoted.status, promoted.loaded) == (version, pb.MODEL_STATUS_CHAMPION, True)

    signals = (await served.stub.ListSignals(pb.ListSignalsRequest(symbol="EURUSD"), metadata=user)).signals
    assert len(signals) == 1
    signal = signals[0]
    assert (signal.symbol, signal.model_name, signal.model_version) == ("EURUSD", NAME, version)
    assert signal.signal in (pb.SIGNAL_DIRECTION_LONG, pb.SIGNAL_DIRECTION_SHORT, pb.SIGNAL_DIRECTION_NONE)
    assert signal.valid_until.ToDatetime() > signal.created_at.ToDatetime()
    assert not signal.stale


async def test_the_prediction_stream_yields_to_a_service(served, trained, bundle) -> None:
    version = await _register(served, trained, bundle)
    admin = served.as_user("u-admin", roles=("admin", "user"))
    await served.stub.PromoteModel(pb.PromoteModelRequest(name=NAME, version=version), metadata=admin)
    call = served.stub.StreamPredictions(
        pb.StreamPredictionsRequest(symbol="EURUSD", interval_s=1), metadata=served.as_service()
    )
    got = []
    async for message in call:
        got.append(message.prediction)
        if len(got) == 2:
            break
    call.cancel()
    assert [(p.symbol, p.model_version, p.stale) for p in got] == [("EURUSD", version, False)] * 2
    assert got[0].predicted_high > 0 > got[0].predicted_low


async def test_a_free_user_over_the_ml_quota_is_refused(served, trained, bundle) -> None:
    version = await _register(served, trained, bundle)
    admin = served.as_user("u-admin", roles=("admin", "user"))
    await served.stub.PromoteModel(pb.PromoteModelRequest(name=NAME, version=version), metadata=admin)
    free, other = served.as_user("u-free"), served.as_user("u-other")
    request = pb.GetPredictionRequest(symbol="EURUSD")
    for _ in range(3):  # the free plan's daily ml calls
        assert (await served.stub.GetPrediction(request, metadata=free)).prediction.symbol == "EURUSD"
    with pytest.raises(grpc.aio.AioRpcError) as over:
        await served.stub.GetPrediction(request, metadata=free)
    assert over.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert dict(over.value.trailing_metadata() or ()).get("retry-after")
    assert (await served.stub.GetPrediction(request, metadata=other)).prediction.symbol == "EURUSD"
    pro = served.as_user("u-pro", plan="pro")
    for _ in range(4):
        await served.stub.GetPrediction(request, metadata=pro)
