"""Assembles svc_broker from a ServiceContext and its settings: the paper venue, its price
monitor, investment accounts, the outbox relay and the market feeds."""

from __future__ import annotations

from trading.broker.v1 import broker_service_pb2_grpc, investment_service_pb2_grpc
from trading.market.v1 import market_service_pb2_grpc

from core.lease import leased
from core.outbox import OutboxRelay
from core.service import BuiltService, ServiceContext
from svc_broker.config import BrokerSettings
from svc_broker.investment.wiring import build_investment
from svc_broker.market import QuoteBook, StaticSymbolCatalog
from svc_broker.market_feed import follow_tickers, keep_symbols
from svc_broker.models import OUTBOX
from svc_broker.service import PaperTradingServicer
from svc_broker.venues.paper import PaperBroker
from svc_broker.venues.paper.monitor import PriceMonitor


async def build(ctx: ServiceContext, settings: BrokerSettings) -> BuiltService:
    book = QuoteBook()
    catalog = StaticSymbolCatalog()  # market's instruments, read at start and refreshed
    broker = PaperBroker(ctx.db, book, catalog, ctx.clock, settings)
    monitor = PriceMonitor(broker, settings)
    relay = OutboxRelay(ctx.db, ctx.bus, [OUTBOX], ctx.clock)

    investment = build_investment(ctx, settings.investment, broker, catalog, book)
    market = ctx.clients.stub(market_service_pb2_grpc.MarketServiceStub, "market")

    async def watch_symbols() -> None:
        await keep_symbols(market, catalog)

    async def watch_prices() -> None:
        await follow_tickers(ctx.bus, book, monitor)

    return BuiltService(
        servicers=[
            (broker_service_pb2_grpc.add_PaperTradingServiceServicer_to_server, PaperTradingServicer(broker)),
            (investment_service_pb2_grpc.add_InvestmentServiceServicer_to_server, investment.servicer),
        ],
        background=[
            watch_symbols,
            watch_prices,
            leased(ctx.kv, ctx.clock, "broker.sweeps", monitor.run_sweeps),
            relay.run,
            *investment.background,
        ],
    )
