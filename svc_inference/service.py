"""The InferenceService servicer: proto in, engine call, proto out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from trading.inference.v1 import inference_messages_pb2 as pb
from trading.inference.v1 import inference_service_pb2_grpc

from core.clock import Clock
from svc_inference import convert
from svc_inference.engine import InferenceEngine
from svc_inference.scorecard import Scorecard


class InferenceServicer(inference_service_pb2_grpc.InferenceServiceServicer):
    def __init__(self, engine: InferenceEngine, clock: Clock, scorecard: Scorecard | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.scorecard = scorecard or Scorecard(engine.db, engine.bars, clock)
        self._signals = convert.SignalEncoder()

    async def CreatePrediction(
        self, request: pb.CreatePredictionRequest, context: Any
    ) -> pb.CreatePredictionResponse:
        q = self.engine.query(request.symbol, request.horizon, request.timeframe)
        return pb.CreatePredictionResponse(prediction=convert.prediction_pb(await self.engine.predict(q)))

    async def GetPrediction(self, request: pb.GetPredictionRequest, context: Any) -> pb.GetPredictionResponse:
        q = self.engine.query(request.symbol, request.horizon)
        return pb.GetPredictionResponse(prediction=convert.prediction_pb(await self.engine.predict(q)))

    async def CreateSignal(self, request: pb.CreateSignalRequest, context: Any) -> pb.CreateSignalResponse:
        q = self.engine.query(request.symbol, request.horizon, request.timeframe)
        signal = await self.engine.signal(q, request.strategy)
        return self._signals.response(
            q.model_name, signal, include_range=request.include_range, include_tpsl=request.include_tpsl
        )

    async def ListSignals(self, request: pb.ListSignalsRequest, context: Any) -> pb.ListSignalsResponse:
        q = self.engine.query(request.symbol, request.horizon)
        live, rows = await self.engine.list_signals(q, request.page_size or 20)
        lines = await self.scorecard.lines(symbol=q.symbol)
        return pb.ListSignalsResponse(
            signals=convert.signals_pb(live, rows),
            scorecard=[convert.scorecard_line_pb(line) for line in lines],
        )

    async def GetScorecard(self, request: pb.GetScorecardRequest, context: Any) -> pb.GetScorecardResponse:
        lines = await self.scorecard.lines(
            symbol=request.symbol, model_name=request.model_name, strategy=request.strategy
        )
        return pb.GetScorecardResponse(lines=[convert.scorecard_line_pb(line) for line in lines])

    async def BatchCreatePredictions(
        self, request: pb.BatchCreatePredictionsRequest, context: Any
    ) -> pb.BatchCreatePredictionsResponse:
        queries = [self.engine.query(s, request.horizon, request.timeframe) for s in request.symbols]
        preds, failed = await self.engine.predict_many(queries)
        return pb.BatchCreatePredictionsResponse(
            predictions=[convert.prediction_pb(p) for p in preds], failed_symbols=failed
        )

    async def PredictRows(self, request: pb.PredictRowsRequest, context: Any) -> pb.PredictRowsResponse:
        model, out = await self.engine.predict_rows(request.name, convert.feature_batch(request))
        response = pb.PredictRowsResponse(output_names=model.outputs, model_version=model.record.version)
        convert.output_batch(response, out, as_matrix=request.HasField("matrix"))
        return response

    async def GetModelsStatus(
        self, request: pb.GetModelsStatusRequest, context: Any
    ) -> pb.GetModelsStatusResponse:
        records, next_token = await self.engine.models_page(request.page.page_size, request.page.page_token)
        resp = pb.GetModelsStatusResponse(
            models=[convert.model_pb(r, loaded=self.engine.is_loaded(r)) for r in records],
            provider=self.engine.server.provider,
            gpu=self.engine.server.gpu,
        )
        resp.page.next_page_token = next_token
        return resp

    async def GetModelMetrics(
        self, request: pb.GetModelMetricsRequest, context: Any
    ) -> pb.GetModelMetricsResponse:
        record = await self.engine.model_for_metrics(request.name, request.version)
        return pb.GetModelMetricsResponse(
            model=convert.model_pb(record, loaded=self.engine.is_loaded(record))
        )

    async def PromoteModel(self, request: pb.PromoteModelRequest, context: Any) -> pb.PromoteModelResponse:
        record = await self.engine.promote(request.name, request.version, force=request.force)
        return pb.PromoteModelResponse(model=convert.model_pb(record, loaded=self.engine.is_loaded(record)))

    async def GetEngineHealth(
        self, request: pb.GetEngineHealthRequest, context: Any
    ) -> pb.GetEngineHealthResponse:
        return convert.engine_health_pb(self.engine.health())

    async def StreamPredictions(
        self, request: pb.StreamPredictionsRequest, context: Any
    ) -> AsyncIterator[pb.StreamPredictionsResponse]:
        q = self.engine.query(request.symbol, request.horizon)
        interval = max(1, request.interval_s or 60)
        while True:
            pred = await self.engine.predict(q)
            yield pb.StreamPredictionsResponse(prediction=convert.prediction_pb(pred))
            await self.clock.sleep(interval)
