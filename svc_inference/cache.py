"""Seed 9.1: the last prediction per model name kept in the key-value store (Redis) for an hour.

When the model cannot answer (not loaded, market data down), the cached prediction is served
flagged `stale` instead of an error.
"""

from __future__ import annotations

from core.kv import KeyValue
from svc_inference.prediction import Prediction


class PredictionCache:
    def __init__(self, kv: KeyValue, ttl_s: float = 3600.0) -> None:
        self.kv = kv
        self.ttl_s = ttl_s

    @staticmethod
    def key(model_name: str) -> str:
        return f"ml:last_prediction:{model_name}"

    async def put(self, pred: Prediction) -> None:
        await self.kv.set(self.key(pred.model_name), pred.to_json(), ttl_s=self.ttl_s)

    async def stale(self, model_name: str) -> Prediction | None:
        raw = await self.kv.get(self.key(model_name))
        return None if raw is None else Prediction.from_json(raw).as_stale()
