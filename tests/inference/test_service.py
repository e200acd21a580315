from __future__ import annotations

import grpc
import numpy as np
import pytest
from trading.inference.v1 import inference_messages_pb2 as pb
from trading.inference.v1 import inference_service_pb2_grpc as rpc

from core.errors import InvalidArgument, Unavailable
from core.server import create_server
from svc_inference import convert
from svc_inference.calibration import apply_platt
from svc_inference.service import InferenceServicer


@pytest.fixture
async def stub(kit, trained, bundle, register_champion):
    await register_champion(kit, trained, bundle)
    servicer = InferenceServicer(kit.engine, kit.clock)
    server, port = await create_server(
        "127.0.0.1:0",
        [(rpc.add_InferenceServiceServicer_to_server, servicer)],
        ["trading.inference.v1.InferenceService"],
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield rpc.InferenceServiceStub(channel)
    await channel.close()
    await server.stop(0)


async def test_a_prediction_over_grpc_has_the_range_and_the_model(stub) -> None:
    resp = await stub.CreatePrediction(pb.CreatePredictionRequest(symbol="EURUSD", horizon=18))
    p = resp.prediction
    assert p.model_name == "eurusd_5m_h18"
    assert p.model_version == 1
    assert not p.stale
    assert p.predicted_high > 0 > p.predicted_low
    assert p.predicted_high_price > p.close > p.predicted_low_price
    assert len(p.prob_tp_first) == 4
    assert 0.5 <= p.confidence <= 1


@pytest.fixture
def strategies(monkeypatch: pytest.MonkeyPatch) -> None:
    """One strategy that takes any trade, one that takes none: the simulated walk's TP-first
    probabilities are low, so the listed strategies' answer depends on the model."""
    from svc_inference import signals

    for strategy in (
        signals.Strategy("test_any", min_margin=-1.0, min_expected_r=-1.0, require_range_agreement=False),
        signals.Strategy("test_never", min_margin=2.0, min_expected_r=2.0, require_range_agreement=False),
    ):
        monkeypatch.setitem(signals.STRATEGIES, strategy.name, strategy)


async def test_a_signal_over_grpc_carries_levels_only_when_asked(stub, strategies) -> None:
    req = pb.CreateSignalRequest(symbol="EURUSD", strategy="test_any", include_range=True, include_tpsl=True)
    s = (await stub.CreateSignal(req)).signal
    assert s.strategy == "test_any"
    assert s.HasField("prediction")
    assert s.valid_until.ToDatetime() > s.prediction.bar_time.ToDatetime()
    assert s.signal in (pb.SIGNAL_DIRECTION_LONG, pb.SIGNAL_DIRECTION_SHORT)
    side = 1 if s.signal == pb.SIGNAL_DIRECTION_LONG else -1
    assert side * (s.tp - s.entry) > 0 < side * (s.entry - s.sl)  # the target ahead, the stop behind
    assert min(s.entry, s.sl, s.tp) > 0
    bare = (await stub.CreateSignal(pb.CreateSignalRequest(symbol="EURUSD", strategy="test_any"))).signal
    assert bare.signal == s.signal
    assert bare.entry == bare.sl == bare.tp == 0
    assert not bare.HasField("prediction")


async def test_no_trade_over_grpc_carries_no_levels_even_when_asked(stub, strategies) -> None:
    req = pb.CreateSignalRequest(
        symbol="EURUSD", strategy="test_never", include_range=True, include_tpsl=True
    )
    s = (await stub.CreateSignal(req)).signal
    assert s.signal == pb.SIGNAL_DIRECTION_NONE
    assert s.entry == s.sl == s.tp == 0
    assert s.HasField("prediction")


async def test_list_signals_leads_with_a_fresh_one_when_none_is_stored(stub) -> None:
    resp = await stub.ListSignals(pb.ListSignalsRequest(symbol="EURUSD"))
    assert len(resp.signals) == 1
    assert resp.signals[0].id == ""


async def test_models_status_metrics_and_health_report_the_provider(stub) -> None:
    status = await stub.GetModelsStatus(pb.GetModelsStatusRequest())
    assert status.provider == "CPUExecutionProvider"
    assert status.gpu is False
    assert [(m.name, m.status, m.loaded) for m in status.models] == [
        ("eurusd_5m_h18", pb.MODEL_STATUS_CHAMPION, True)
    ]
    metrics = (await stub.GetModelMetrics(pb.GetModelMetricsRequest(name="eurusd_5m_h18"))).model.metrics
    assert 0 < metrics.auc < 1
    assert metrics.mae > 0
    assert len(metrics.classifiers) == 4
    health = await stub.GetEngineHealth(pb.GetEngineHealthRequest())
    assert (health.status, health.gpu, list(health.loaded_models)) == ("ok", False, ["eurusd_5m_h18"])


async def test_predict_rows_answers_a_batch_in_order(stub, trained) -> None:
    X = np.resize(trained.X_test, (1024, trained.X_test.shape[1]))
    rows = [pb.FeatureRow(values=r.tolist()) for r in X]
    resp = await stub.PredictRows(pb.PredictRowsRequest(name="eurusd_5m_h18", rows=rows))
    assert len(resp.rows) == 1024
    assert resp.output_names[0] == "delta_high"
    np.testing.assert_allclose(
        resp.rows[1000].values[0], trained.models["delta_high"].predict(X[1000:1001])[0], atol=1e-6
    )


async def test_predict_rows_as_a_matrix_gives_the_same_outputs_as_rows(stub, trained) -> None:
    X = np.resize(trained.X_test, (256, trained.X_test.shape[1])).astype(np.float32)
    as_rows = await stub.PredictRows(
        pb.PredictRowsRequest(name="eurusd_5m_h18", rows=[pb.FeatureRow(values=r.tolist()) for r in X])
    )
    matrix = pb.FeatureMatrix(columns=X.shape[1], float32_le=X.astype("<f4").tobytes())
    as_matrix = await stub.PredictRows(pb.PredictRowsRequest(name="eurusd_5m_h18", matrix=matrix))
    assert not as_matrix.rows
    out = np.frombuffer(as_matrix.matrix.float32_le, dtype="<f4").reshape(-1, as_matrix.matrix.columns)
    assert out.shape == (256, len(as_matrix.output_names))
    np.testing.assert_allclose(out, np.array([r.values for r in as_rows.rows]), atol=1e-6)


async def test_predict_rows_gives_the_calibrated_probabilities_of_the_signal_path(stub, trained) -> None:
    X = np.resize(trained.X_test, (64, trained.X_test.shape[1])).astype(np.float32)
    resp = await stub.PredictRows(
        pb.PredictRowsRequest(name="eurusd_5m_h18", rows=[pb.FeatureRow(values=r.tolist()) for r in X])
    )
    out = np.array([r.values for r in resp.rows])
    maps = trained.metrics["calibration_maps"]
    assert maps
    for name, ab in maps.items():
        j = list(resp.output_names).index(name)
        raw = trained.models[name].predict_proba(X)[:, 1].astype(np.float64)
        np.testing.assert_allclose(out[:, j], apply_platt(raw, ab), atol=1e-5)
        assert not np.allclose(out[:, j], raw, atol=1e-5)  # the maps really moved them
    np.testing.assert_allclose(out[:, 0], trained.models["delta_high"].predict(X), atol=1e-6)


ZERO_ROW = [0.0] * 21
ONE_ROW = pb.FeatureRow(values=ZERO_ROW)
SHORT_ROW = pb.FeatureRow(values=ZERO_ROW[:20])


@pytest.mark.parametrize(
    "request_",
    [
        pb.PredictRowsRequest(name="m"),
        pb.PredictRowsRequest(
            name="m",
            rows=[pb.FeatureRow(values=ZERO_ROW)],
            matrix=pb.FeatureMatrix(columns=21, float32_le=bytes(84)),
        ),
        pb.PredictRowsRequest(name="m", matrix=pb.FeatureMatrix(columns=21, float32_le=bytes(85))),
        pb.PredictRowsRequest(
            name="m", rows=[pb.FeatureRow(values=ZERO_ROW), pb.FeatureRow(values=ZERO_ROW[:20])]
        ),
    ],
    ids=["neither", "both", "partial-row", "ragged"],
)
def test_malformed_batches_are_invalid_arguments(request_) -> None:
    with pytest.raises(InvalidArgument):
        convert.feature_batch(request_)


async def test_batch_predictions_report_symbols_without_a_model(stub) -> None:
    resp = await stub.BatchCreatePredictions(pb.BatchCreatePredictionsRequest(symbols=["EURUSD", "GBPUSD"]))
    assert [p.symbol for p in resp.predictions] == ["EURUSD"]
    assert list(resp.failed_symbols) == ["GBPUSD"]


async def test_the_prediction_stream_sends_predictions(stub) -> None:
    call = stub.StreamPredictions(pb.StreamPredictionsRequest(symbol="EURUSD", interval_s=1))
    got = [msg async for msg in _take(call, 2)]
    assert [m.prediction.symbol for m in got] == ["EURUSD", "EURUSD"]
    call.cancel()


async def _take(call, n):
    async for msg in call:
        yield msg
        n -= 1
        if n == 0:
            return


async def test_the_cached_prediction_is_served_stale_when_the_model_is_down(
    kit, trained, bundle, register_champion
):
    record = await register_champion(kit, trained, bundle)
    q = kit.engine.query("EURUSD")
    fresh = await kit.engine.predict(q)
    kit.engine.server.unload(q.model_name)
    kit.engine.registry.store.path(record.artifact_sha256).unlink()  # and it cannot be reloaded
    stale = await kit.engine.predict(q)
    assert stale.stale
    assert stale.predicted_high == fresh.predicted_high
    kit.clock.advance(3601)  # the cache keeps it for one hour
    with pytest.raises(Unavailable):
        await kit.engine.predict(q)
