"""The ML engine reads market data's instrument model (symbols, spreads by session) through
svc_market's real ListSymbols over gRPC, keeps it a while, and keeps the last answer while the
market is down."""

from __future__ import annotations

from datetime import UTC, datetime

from trading.market.v1 import market_service_pb2_grpc

from core.bus import InProcessBus
from core.clients import ClientFactory
from core.clock import TestClock
from core.db import Database
from core.server import create_server
from core.settings import Settings
from svc_inference.bar_source import INSTRUMENTS_TTL_S, MarketBarSource
from svc_inference.instruments import UNKNOWN
from svc_market.catalogue import CATALOGUE
from svc_market.config import MarketSettings
from svc_market.models import Base as MarketBase
from svc_market.service import MarketServicer
from svc_market.symbols import ensure_catalogue
from svc_market.wiring import make_market
from tests.market_instruments import market_instruments

ASIAN, LONDON = datetime(2025, 1, 6, 3, tzinfo=UTC), datetime(2025, 1, 6, 9, tzinfo=UTC)


async def test_the_engine_reads_symbols_and_spreads_from_the_market_and_keeps_the_last_answer(
    tmp_path,
) -> None:
    clock = TestClock()
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/market.sqlite")
    await db.create_all([MarketBase.metadata])
    await ensure_catalogue(db)
    market = make_market(db, clock, MarketSettings(polygon_api_key=None), InProcessBus())
    server, port = await create_server(
        "127.0.0.1:0",
        [(market_service_pb2_grpc.add_MarketServiceServicer_to_server, MarketServicer(market))],
        ["trading.market.v1.MarketService"],
    )
    clients = ClientFactory(Settings(service_addresses={"market": f"127.0.0.1:{port}"}), clock)
    source = MarketBarSource(clients, clock=clock)
    try:
        model = await source.instruments()
        assert sorted(model.symbols) == sorted(spec.symbol for spec in CATALOGUE)
        assert model.spreads == market_instruments().spreads
        assert model.session_spread("EURUSD", ASIAN) > model.session_spread("EURUSD", LONDON) > 0
        assert model.session_spread("NOPE", ASIAN) == 0

        await server.stop(0)  # market gone: the copy read before still answers
        assert await source.instruments() is model
        clock.advance(INSTRUMENTS_TTL_S + 1)
        assert await source.instruments() is model
    finally:
        await server.stop(0)
        await clients.close()
        await db.dispose()


async def test_before_the_market_first_answers_no_symbols_and_no_spreads_are_assumed(tmp_path) -> None:
    clock = TestClock()
    clients = ClientFactory(
        Settings(service_addresses={"market": "127.0.0.1:9"}, default_deadline_s=0.5), clock
    )
    try:
        assert await MarketBarSource(clients, clock=clock, deadline_s=0.5).instruments() is UNKNOWN
    finally:
        await clients.close()
