"""svc_auth: sign-ins per second (Argon2id at the production cost dominates) and access-token
signatures and verifications per second.

Sign-ins go through the domain code (limits, lookup, Argon2id, refresh token row, JWT) on a
SQLite file, with 1 and 4 in flight (Argon2 runs in worker threads, so parallelism helps up to
the core count).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from core.bus import InProcessBus
from core.clock import Clock
from core.db import Database
from core.keys import KeyStore
from core.kv import MemoryKeyValue
from core.settings import Settings
from svc_auth import accounts
from svc_auth.config import AuthSettings
from svc_auth.deps import AuthDeps
from svc_auth.mailer import FileMailer
from svc_auth.models import Base
from svc_auth.passwords import Passwords

PASSWORD = "correct horse battery"
CLAIMS = {"sub": "u1", "email": "a@example.com", "roles": ["user"], "plan": "free"}


def bench_tokens(n: int = 20_000) -> None:
    keys = KeyStore.ephemeral("https://trading.local", "trading-api", Clock())
    started = time.perf_counter()
    tokens = [keys.sign_access_token(CLAIMS) for _ in range(n)]
    signed = time.perf_counter() - started
    started = time.perf_counter()
    for token in tokens:
        keys.verify_access_token(token)
    verified = time.perf_counter() - started
    print(f"access tokens signed/s:   {n / signed:10,.0f}  ({signed / n * 1e6:.1f} µs each)")
    print(f"access tokens verified/s: {n / verified:10,.0f}  ({verified / n * 1e6:.1f} µs each)")


async def bench_logins(n: int = 40) -> None:
    settings = AuthSettings(login_account_limit=10**9, login_account_global_limit=10**9, login_ip_limit=10**9)
    with tempfile.TemporaryDirectory() as tmp:
        clock = Clock()
        db = Database(f"sqlite+aiosqlite:///{tmp}/db/main.sqlite")
        await db.create_all([Base.metadata])
        deps = AuthDeps(
            db=db,
            bus=InProcessBus(),
            keys=KeyStore.ephemeral("https://trading.local", "trading-api", clock),
            kv=MemoryKeyValue(clock),
            clock=clock,
            settings=settings,
            platform=Settings(data_dir=Path(tmp)),
            passwords=Passwords(settings),
            mailer=FileMailer(Path(tmp) / "mail"),
        )
        await accounts.register(deps, "bench@example.com", PASSWORD, "Bench", "User")
        print(
            f"argon2id: m={settings.argon2_memory_kib} KiB, "
            f"t={settings.argon2_time_cost}, p={settings.argon2_parallelism}"
        )
        stored = await deps.passwords.hash(PASSWORD)
        started = time.perf_counter()
        for _ in range(n // 2):
            await deps.passwords.verify(stored, PASSWORD)
        one_check = (time.perf_counter() - started) / (n // 2)
        print(f"one argon2id verification: {one_check * 1e3:.1f} ms (the baseline of a sign-in)")
        for in_flight in (1, 4):
            started = time.perf_counter()
            for _ in range(n // in_flight):
                await asyncio.gather(
                    *(
                        accounts.login(deps, "bench@example.com", PASSWORD, "127.0.0.1")
                        for _ in range(in_flight)
                    )
                )
            elapsed = time.perf_counter() - started
            done = (n // in_flight) * in_flight
            ratio = f", {elapsed / done / one_check:.2f}x one verification" if in_flight == 1 else ""
            print(
                f"logins/s, {in_flight} in flight: {done / elapsed:8.1f}  "
                f"({elapsed / done * 1e3:.1f} ms each{ratio})"
            )
        await db.dispose()


async def main() -> None:
    bench_tokens()
    await bench_logins()
