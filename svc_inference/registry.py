"""The model registry: versions in the `ml` schema, ONNX bundles as files named by their sha256.

A version is registered as a candidate. It becomes champion when it beats the current champion
on its held-out test metrics (`training.beats`), or when an admin forces it; the old champion is
then retired. Exactly one champion per model name.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from core.db import Database
from core.errors import FailedPrecondition, NotFound
from svc_inference.export import ExportedBundle
from svc_inference.models import STATUS_CANDIDATE, STATUS_CHAMPION, STATUS_RETIRED, ModelVersionRow
from svc_inference.training import TrainedModels, beats


@dataclass(frozen=True)
class ModelRecord:
    """A registered model version, as plain data."""

    id: str
    name: str
    version: int
    status: str
    symbol: str
    timeframe: str
    horizon: int
    artifact_sha256: str
    features: list[str]
    outputs: list[str]
    metrics: dict[str, Any]
    params: dict[str, Any]
    train_start: datetime
    train_end: datetime
    test_start: datetime
    test_end: datetime
    created_at: datetime
    promoted_at: datetime | None


def _record(row: ModelVersionRow) -> ModelRecord:
    return ModelRecord(**{f.name: getattr(row, f.name) for f in fields(ModelRecord)})


def model_name(symbol: str, timeframe: str, horizon: int) -> str:
    """The registry name of the models of one symbol, timeframe and horizon: "eurusd_5m_h18"."""
    return f"{symbol.lower()}_{timeframe.lower()}_h{horizon}"


class ArtifactStore:
    """ONNX bundles on disk under `<data_dir>/models/<sha256>.onnx`, verified on read."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / f"{sha256}.onnx"

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if not target.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(data)
            tmp.replace(target)
        return sha

    def get(self, sha256: str) -> bytes:
        data = self.path(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise FailedPrecondition(f"artifact {sha256} is corrupt", reason="ARTIFACT_CORRUPT")
        return data


class Registry:
    """Registers, promotes and looks up model versions."""

    def __init__(self, db: Database, store: ArtifactStore) -> None:
        self.db = db
        self.store = store

    async def register(
        self,
        *,
        symbol: str,
        timeframe: str,
        trained: TrainedModels,
        bundle: ExportedBundle,
        now: datetime,
    ) -> ModelRecord:
        """Store the bundle and add it as the next candidate version of its model name."""
        sha = self.store.put(bundle.onnx_bytes)
        name = model_name(symbol, timeframe, trained.params.horizon)
        metrics = dict(trained.metrics, max_parity_diff=max(bundle.max_abs_diff.values()))
        async with self.db.transaction() as s:
            latest = await s.scalar(
                select(func.max(ModelVersionRow.version)).where(ModelVersionRow.name == name)
            )
            row = ModelVersionRow(
                id=str(uuid.uuid4()),
                name=name,
                version=(latest or 0) + 1,
                status=STATUS_CANDIDATE,
                symbol=symbol.upper(),
                timeframe=timeframe,
                horizon=trained.params.horizon,
                artifact_sha256=sha,
                features=list(trained.feature_names),
                outputs=list(bundle.output_names),
                metrics=metrics,
                params={k: v for k, v in vars(trained.params).items() if k != "fractions"},
                created_at=now,
                promoted_at=None,
                **trained.windows,
            )
            s.add(row)
        return _record(row)

    async def get(self, name: str, version: int) -> ModelRecord:
        async with self.db.session() as s:
            row = await s.scalar(
                select(ModelVersionRow).where(
                    ModelVersionRow.name == name, ModelVersionRow.version == version
                )
            )
        if row is None:
            raise NotFound(f"model {name} v{version} not found", reason="MODEL_NOT_FOUND")
        return _record(row)

    async def champion(self, name: str) -> ModelRecord | None:
        async with self.db.session() as s:
            row = await s.scalar(
                select(ModelVersionRow).where(
                    ModelVersionRow.name == name, ModelVersionRow.status == STATUS_CHAMPION
                )
            )
        return _record(row) if row else None

    async def champions(self) -> list[ModelRecord]:
        async with self.db.session() as s:
            rows = await s.scalars(select(ModelVersionRow).where(ModelVersionRow.status == STATUS_CHAMPION))
            return [_record(r) for r in rows]

    async def latest(self, name: str) -> ModelRecord | None:
        async with self.db.session() as s:
            row = await s.scalar(
                select(ModelVersionRow)
                .where(ModelVersionRow.name == name)
                .order_by(ModelVersionRow.version.desc())
                .limit(1)
            )
        return _record(row) if row else None

    async def list(self, *, limit: int = 50, offset: int = 0) -> list[ModelRecord]:
        async with self.db.session() as s:
            rows = await s.scalars(
                select(ModelVersionRow)
                .order_by(
                    ModelVersionRow.created_at.desc(), ModelVersionRow.name, ModelVersionRow.version.desc()
                )
                .limit(limit)
                .offset(offset)
            )
            return [_record(r) for r in rows]

    async def promote(self, name: str, version: int, *, now: datetime, force: bool = False) -> ModelRecord:
        """Make `version` the champion of `name`; without force it must beat the current champion."""
        async with self.db.transaction() as s:
            rows = {
                r.version: r
                for r in await s.scalars(select(ModelVersionRow).where(ModelVersionRow.name == name))
            }
            target = rows.get(version)
            if target is None:
                raise NotFound(f"model {name} v{version} not found", reason="MODEL_NOT_FOUND")
            current = next((r for r in rows.values() if r.status == STATUS_CHAMPION), None)
            if current is target:
                return _record(target)
            if not force and not beats(target.metrics, current.metrics if current else None):
                raise FailedPrecondition(
                    f"{name} v{version} does not beat champion v{current.version if current else 0}",
                    reason="DOES_NOT_BEAT_CHAMPION",
                )
            if current is not None:
                current.status = STATUS_RETIRED
                await s.flush()
            target.status = STATUS_CHAMPION
            target.promoted_at = now
        return _record(target)

    async def promote_if_better(self, name: str, version: int, *, now: datetime) -> bool:
        try:
            await self.promote(name, version, now=now)
        except FailedPrecondition:
            return False
        return True
