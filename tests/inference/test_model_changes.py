"""Registrations and promotions under concurrency, promotions of unusable artifacts, paging."""

from __future__ import annotations

import asyncio
import dataclasses

import grpc
import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from trading.inference.v1 import inference_messages_pb2 as pb
from trading.inference.v1 import inference_service_pb2_grpc as rpc

from core.errors import FailedPrecondition, InvalidArgument
from core.server import create_server
from svc_inference.models import ModelVersionRow
from svc_inference.service import InferenceServicer

NAME = "eurusd_5m_h18"


async def _register(kit, trained, bundle):
    return await kit.engine.registry.register(
        symbol="EURUSD", timeframe="5m", trained=trained, bundle=bundle, now=kit.clock.now()
    )


def _unloadable(bundle, data: bytes):
    """A bundle whose bytes onnxruntime cannot load (stored under their own, correct sha256)."""
    return dataclasses.replace(bundle, onnx_bytes=data)


async def _statuses(kit) -> dict[int, str]:
    return {r.version: r.status for r in await kit.engine.registry.list()}


async def test_concurrent_registrations_take_consecutive_versions(kit, trained, bundle) -> None:
    records = await asyncio.gather(*(_register(kit, trained, bundle) for _ in range(4)))
    assert sorted(r.version for r in records) == [1, 2, 3, 4]
    more = await asyncio.gather(*(_register(kit, trained, bundle) for _ in range(3)))
    assert sorted(r.version for r in more) == [5, 6, 7]


async def test_concurrent_promotions_leave_exactly_one_champion(kit, trained, bundle) -> None:
    reg = kit.engine.registry
    for _ in range(4):
        await _register(kit, trained, bundle)
    await reg.promote(NAME, 1, now=kit.clock.now(), force=True)
    results = await asyncio.gather(
        *(reg.promote(NAME, v, now=kit.clock.now(), force=True) for v in (2, 3, 4)), return_exceptions=True
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    statuses = await _statuses(kit)
    assert list(statuses.values()).count("champion") == 1
    assert statuses[1] == "retired"
    assert (await reg.champion(NAME)).version in (2, 3, 4)


async def test_the_database_refuses_a_second_champion(kit, trained, bundle) -> None:
    for _ in range(2):
        await _register(kit, trained, bundle)
    await kit.engine.registry.promote(NAME, 1, now=kit.clock.now(), force=True)
    with pytest.raises(IntegrityError):
        async with kit.engine.db.transaction() as s:
            await s.execute(
                update(ModelVersionRow).where(ModelVersionRow.version == 2).values(status="champion")
            )
    assert await _statuses(kit) == {1: "champion", 2: "candidate"}


async def test_a_corrupt_or_missing_artifact_is_never_promoted(
    kit, trained, bundle, register_champion
) -> None:
    champion = await register_champion(kit, trained, bundle)
    corrupt = await _register(kit, trained, _unloadable(bundle, b"not a model"))
    missing = await _register(kit, trained, _unloadable(bundle, b"not a model either"))
    kit.engine.registry.store.path(missing.artifact_sha256).unlink()
    for record, reason in ((corrupt, "ARTIFACT_UNLOADABLE"), (missing, "ARTIFACT_MISSING")):
        with pytest.raises(FailedPrecondition) as err:
            await kit.engine.promote(NAME, record.version, force=True)
        assert err.value.reason == reason
        assert (await kit.engine.registry.champion(NAME)).version == champion.version
        assert kit.engine.server.get(NAME).record.id == champion.id
    assert await _statuses(kit) == {1: "champion", 2: "candidate", 3: "candidate"}
    assert (await kit.engine.predict(kit.engine.query("EURUSD"))).model_version == champion.version


@pytest.fixture
async def stub(kit):
    server, port = await create_server(
        "127.0.0.1:0",
        [(rpc.add_InferenceServiceServicer_to_server, InferenceServicer(kit.engine, kit.clock))],
        ["trading.inference.v1.InferenceService"],
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield rpc.InferenceServiceStub(channel)
    await channel.close()
    await server.stop(0)


async def test_promote_model_reports_what_is_served(kit, trained, bundle, register_champion, stub) -> None:
    await register_champion(kit, trained, bundle)
    await _register(kit, trained, _unloadable(bundle, b"not a model"))
    with pytest.raises(FailedPrecondition):
        await kit.engine.promote(NAME, 2, force=True)
    status = await stub.GetModelsStatus(pb.GetModelsStatusRequest())
    assert sorted((m.version, m.status, m.loaded) for m in status.models) == [
        (1, pb.MODEL_STATUS_CHAMPION, True),
        (2, pb.MODEL_STATUS_CANDIDATE, False),
    ]
    await _register(kit, trained, bundle)
    promoted = await stub.PromoteModel(pb.PromoteModelRequest(name=NAME, version=3, force=True))
    assert (promoted.model.version, promoted.model.loaded) == (3, True)


async def test_models_status_pages_through_every_version(kit, trained, bundle, stub) -> None:
    for _ in range(5):
        await _register(kit, trained, bundle)
    seen, token, pages = [], "", 0
    while True:
        page = pb.GetModelsStatusRequest()
        page.page.page_size, page.page.page_token = 2, token
        resp = await stub.GetModelsStatus(page)
        seen += [m.version for m in resp.models]
        pages += 1
        token = resp.page.next_page_token
        if not token:
            break
    assert (sorted(seen), pages) == ([1, 2, 3, 4, 5], 3)


@pytest.mark.parametrize("token", ["abc", "-5", "1e3", "\uff12", " 2"])
async def test_a_bad_page_token_is_an_invalid_argument_naming_the_field(kit, token) -> None:
    with pytest.raises(InvalidArgument) as err:
        await kit.engine.models_page(2, token)
    assert [field for field, _ in err.value.violations] == ["page.page_token"]


async def test_a_negative_page_size_is_an_invalid_argument_naming_the_field(kit) -> None:
    with pytest.raises(InvalidArgument) as err:
        await kit.engine.models_page(-3, "")
    assert [field for field, _ in err.value.violations] == ["page.page_size"]
