"""Serving: onnxruntime sessions per model name, loaded and warmed before use, hot-swapped.

Each loaded model has two sessions over the same bundle:
- a one-row session with one intra-op thread: a single row gains nothing from a thread pool
  and thread hand-offs would cost more than the ~20 µs the trees take;
- a batch session with `batch_threads` intra-op threads (default min(4, cpus)) and spinning off,
  so idle pool threads do not burn the cores the event loop and the other services share.
Both use sequential execution (one inter-op thread): the bundle's six ensembles are small.

A swap builds and warms the new sessions off the event loop, then replaces one dict entry;
requests already running keep the model object they started with, so none is dropped. Small
predicts (at most `inline_rows` rows, tens of µs) run inline on the event loop; larger ones go to
a thread pool (onnxruntime releases the GIL while it computes).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from core import metrics
from core.errors import FailedPrecondition, Unavailable
from svc_inference.calibration import calibrate_outputs
from svc_inference.export import INPUT_NAME, OUTPUT_NAME
from svc_inference.providers import ProviderChoice, bundle_for, choose_providers
from svc_inference.registry import ModelRecord

log = logging.getLogger(__name__)
T = TypeVar("T")


def default_batch_threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def make_session(
    onnx_bytes: bytes, providers: tuple[str, ...], *, intra_threads: int
) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.intra_op_num_threads = intra_threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(onnx_bytes, opts, providers=list(providers))


@dataclass(frozen=True)
class LoadedModel:
    """A champion ready to answer: its record and its two warmed sessions."""

    record: ModelRecord
    single: ort.InferenceSession
    batch: ort.InferenceSession
    provider: str

    @property
    def outputs(self) -> list[str]:
        return self.record.outputs

    def run(self, X: NDArray[np.float32]) -> NDArray[np.float32]:
        session = self.single if X.shape[0] == 1 else self.batch
        with metrics.timed(metrics.INFERENCE_LATENCY, self.record.name, self.provider):
            result: NDArray[np.float32] = session.run([OUTPUT_NAME], {INPUT_NAME: X})[0]
        return result

    def calibrated(self, out: NDArray[np.float32]) -> NDArray[np.float32]:
        """`out` with the classifier columns mapped by the version's Platt maps: the probabilities
        the signal path reads, for one row or a batch."""
        return calibrate_outputs(out, self.outputs, self.record.metrics.get("calibration_maps") or {})

    def run_calibrated(self, X: NDArray[np.float32]) -> NDArray[np.float32]:
        return self.calibrated(self.run(X))


def load_model(
    record: ModelRecord, onnx_bytes: bytes, choice: ProviderChoice, batch_threads: int
) -> LoadedModel:
    """Build both sessions and warm them (first runs allocate and, on CUDA, initialise kernels)."""
    onnx_bytes = bundle_for(choice, onnx_bytes)[0]  # the tensor form where CUDA runs it
    single = make_session(onnx_bytes, choice.providers, intra_threads=1)
    batch = make_session(onnx_bytes, choice.providers, intra_threads=batch_threads)
    n = len(record.features)
    for rows in (1, 64):
        X = np.zeros((rows, n), dtype=np.float32)
        (single if rows == 1 else batch).run([OUTPUT_NAME], {INPUT_NAME: X})
    return LoadedModel(record, single, batch, single.get_providers()[0])


class ModelServer:
    """The loaded champions by model name, and where their predictions run."""

    def __init__(
        self,
        *,
        prefer_gpu: bool = True,
        batch_threads: int = 0,
        inline_rows: int = 16,
        pool_workers: int = 2,
    ) -> None:
        self.choice = choose_providers(prefer_gpu)
        self.batch_threads = batch_threads or default_batch_threads()
        self.inline_rows = inline_rows
        self._models: dict[str, LoadedModel] = {}
        self._pool = ThreadPoolExecutor(max_workers=pool_workers, thread_name_prefix="onnx")
        self._swap_lock = asyncio.Lock()

    @property
    def provider(self) -> str:
        return self.choice.name

    @property
    def gpu(self) -> bool:
        return self.choice.gpu

    def loaded(self) -> dict[str, LoadedModel]:
        return dict(self._models)

    def find(self, name: str) -> LoadedModel | None:
        return self._models.get(name)

    def get(self, name: str) -> LoadedModel:
        model = self._models.get(name)
        if model is None:
            raise Unavailable(f"no model loaded for {name}", reason="MODEL_NOT_LOADED")
        return model

    async def run_off_loop(self, fn: Callable[[], T]) -> T:
        return await self._off_loop(fn)

    async def _off_loop(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn)

    async def prepare(self, record: ModelRecord, onnx_bytes: bytes) -> LoadedModel:
        """Build and warm `record`'s sessions off the event loop, without serving them yet.

        Bytes onnxruntime cannot load raise FailedPrecondition (the artifact is unusable)."""
        try:
            return await self._off_loop(
                lambda: load_model(record, onnx_bytes, self.choice, self.batch_threads)
            )
        except Exception as err:
            raise FailedPrecondition(
                f"{record.name} v{record.version} cannot be loaded: {err}", reason="ARTIFACT_UNLOADABLE"
            ) from err

    def install(self, model: LoadedModel) -> None:
        """Make a prepared model the one that answers for its name (one dict assignment)."""
        self._models[model.record.name] = model
        log.info("serving %s v%d on %s", model.record.name, model.record.version, model.provider)

    async def swap_in(self, record: ModelRecord, onnx_bytes: bytes) -> LoadedModel:
        """Load and warm `record` off the event loop, then make it the one that answers."""
        async with self._swap_lock:
            current = self._models.get(record.name)
            if current is not None and current.record.id == record.id:
                return current
            model = await self.prepare(record, onnx_bytes)
            self.install(model)
        return model

    def unload(self, name: str) -> None:
        self._models.pop(name, None)

    def predict_inline(self, name: str, X: NDArray[np.float32]) -> tuple[LoadedModel, NDArray[np.float32]]:
        model = self.get(name)
        return model, model.run(X)

    async def predict(
        self, name: str, X: NDArray[np.float32], *, calibrated: bool = False
    ) -> tuple[LoadedModel, NDArray[np.float32]]:
        """The bundle's outputs for rows X (classifier columns calibrated when asked): inline when
        small, in the thread pool otherwise."""
        model = self.get(name)
        run = model.run_calibrated if calibrated else model.run
        if X.shape[0] <= self.inline_rows:
            return model, run(X)
        return model, await self._off_loop(lambda: run(X))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._models.clear()
