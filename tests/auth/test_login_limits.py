"""Failed sign-ins are limited atomically, without locking the owner out from elsewhere."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest

from core.kv import RedisKeyValue
from svc_auth.models import Base
from tests.auth.conftest import cheap_settings, start_auth

LIMIT = 10


@pytest.mark.redis
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_thousand_parallel_wrong_passwords_are_limited(
    make_database: Callable, tmp_path: Path, redis_url: str, namespace: str
) -> None:
    db = await make_database(Base.metadata)
    kv = RedisKeyValue(redis_url, namespace=namespace)
    auth, stop = await start_auth(db, tmp_path, kv=kv, settings=cheap_settings(login_account_limit=LIMIT))
    try:
        await auth.verified_user()
        attempts = [auth.login(password=f"guess number {i}", ip="203.0.113.7") for i in range(1000)]
        results = await asyncio.gather(*attempts, return_exceptions=True)
        codes = Counter(r.code() for r in results if isinstance(r, grpc.aio.AioRpcError))
        assert codes == {
            grpc.StatusCode.UNAUTHENTICATED: LIMIT,
            grpc.StatusCode.RESOURCE_EXHAUSTED: 1000 - LIMIT,
        }
        error = await asyncio.gather(auth.login(ip="203.0.113.7"), return_exceptions=True)
        assert isinstance(error[0], grpc.aio.AioRpcError)
        assert error[0].code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        owner = await auth.login(ip="198.51.100.20")  # the owner, from their own address
        assert owner.tokens.access_token
    finally:
        await stop()
        await kv.close()


async def test_unknown_emails_are_limited_like_known_ones(auth) -> None:
    await auth.verified_user()
    for address in ("ana@example.com", "ghost@example.com"):
        results = await asyncio.gather(
            *(auth.login(address, "wrong password", ip="203.0.113.9") for _ in range(12)),
            return_exceptions=True,
        )
        codes = Counter(r.code() for r in results)
        assert codes == {grpc.StatusCode.UNAUTHENTICATED: 10, grpc.StatusCode.RESOURCE_EXHAUSTED: 2}


async def test_only_failed_sign_ins_count_against_an_address(make_database: Callable, tmp_path: Path) -> None:
    db = await make_database(Base.metadata)
    auth, stop = await start_auth(db, tmp_path, settings=cheap_settings(login_ip_limit=5))
    office = "203.0.113.50"
    try:
        await auth.verified_user()
        for _ in range(20):  # one office behind one NAT signing in all day
            assert (await auth.login(ip=office)).tokens.access_token
        for i in range(5):
            error = await asyncio.gather(auth.login(f"u{i}@example.com", ip=office), return_exceptions=True)
            assert isinstance(error[0], grpc.aio.AioRpcError)
            assert error[0].code() == grpc.StatusCode.UNAUTHENTICATED
        refused = await asyncio.gather(auth.login(ip=office), return_exceptions=True)
        assert isinstance(refused[0], grpc.aio.AioRpcError)
        assert refused[0].code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        await stop()
