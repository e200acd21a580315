"""The model registry: versions in the `ml` schema, ONNX bundles as files named by their sha256.

A version is registered as a candidate, with its walk-forward gate figures (`gate.py`). It
becomes champion when it passed the gate and beats the current champion on the same rows
(`training.beats`), or when an admin forces it; the old champion is then retired. Exactly one
champion per model name. With no champion a name is served by its newest candidate, marked
experimental.
"""

from __future__ import annotations

import builtins
import hashlib
import os
import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db import Database
from core.errors import Aborted, FailedPrecondition, InvalidArgument, NotFound
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
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise FailedPrecondition(f"artifact {sha256} is missing", reason="ARTIFACT_MISSING") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise FailedPrecondition(f"artifact {sha256} is corrupt", reason="ARTIFACT_CORRUPT")
        return data


REGISTER_ATTEMPTS = 5


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
        for _ in range(REGISTER_ATTEMPTS):
            try:
                async with self.db.transaction() as s:
                    # the name's rows locked (PostgreSQL; SQLite's write lock is taken at BEGIN):
                    # concurrent registrations of one name take the next versions in turn
                    versions = await s.scalars(
                        select(ModelVersionRow.version).where(ModelVersionRow.name == name).with_for_update()
                    )
                    row = ModelVersionRow(
                        id=str(uuid.uuid4()),
                        name=name,
                        version=max(versions, default=0) + 1,
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
            except IntegrityError:
                # the first version of a name has no row to lock: another registration took it
                continue
        raise Aborted(
            f"could not register a version of {name}: concurrent registrations", reason="VERSION_RACE"
        )

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

    async def page(self, page_size: int, page_token: str) -> tuple[builtins.list[ModelRecord], str]:
        """`page_size` versions from the offset in `page_token` ('' is the start), and the next
        page's token ('' when there is none)."""
        if page_size < 1:
            raise InvalidArgument(
                f"page_size {page_size} is not positive", violations=[("page.page_size", "at least 1")]
            )
        if page_token and not (page_token.isascii() and page_token.isdigit()):
            raise InvalidArgument(
                f"page_token {page_token[:20]!r} is not a token from a previous page",
                violations=[("page.page_token", "use next_page_token from the previous page")],
            )
        offset = int(page_token or 0)
        records = await self.list(limit=page_size + 1, offset=offset)
        more = len(records) > page_size
        return records[:page_size], str(offset + page_size) if more else ""

    async def promote(self, name: str, version: int, *, now: datetime, force: bool = False) -> ModelRecord:
        """Make `version` the champion of `name`; without force it must beat the current champion.

        The name's rows are locked for the transaction (FOR UPDATE on PostgreSQL; on SQLite the
        transaction holds the write lock from BEGIN), so concurrent promotions take turns and the
        later one sees the earlier one's champion; a partial unique index backs this up.
        """
        async with self.db.transaction() as s:
            rows = {
                r.version: r
                for r in await s.scalars(
                    select(ModelVersionRow).where(ModelVersionRow.name == name).with_for_update()
                )
            }
            target = rows.get(version)
            if target is None:
                raise NotFound(f"model {name} v{version} not found", reason="MODEL_NOT_FOUND")
            current = next((r for r in rows.values() if r.status == STATUS_CHAMPION), None)
            if current is target:
                return _record(target)
            if not force and not (target.metrics.get("gate") or {}).get("passed"):
                raise FailedPrecondition(
                    f"{name} v{version} did not pass the promotion gate: "
                    + "; ".join((target.metrics.get("gate") or {}).get("reasons") or ["not judged"]),
                    reason="GATE_NOT_PASSED",
                )
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
