"""gRPC servicers of market data: proto in and out, the domain does the work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from trading.market.v1 import market_messages_pb2 as pb
from trading.market.v1 import market_service_pb2_grpc as rpc

from core.principal import current_principal
from svc_market import convert, watchlists
from svc_market.candles import CandleQuery
from svc_market.market import Market


class MarketServicer(rpc.MarketServiceServicer):
    """Symbols, candles, prices, watchlists and indicators for users."""

    def __init__(self, market: Market) -> None:
        self.market = market

    async def ListSymbols(self, request: pb.ListSymbolsRequest, context: Any) -> pb.ListSymbolsResponse:
        rows = await self.market.list_symbols(convert.ASSET_TYPE_NAMES.get(request.asset_type))
        return pb.ListSymbolsResponse(
            symbols=[convert.symbol_info(r) for r in rows], sessions=convert.session_windows()
        )

    async def GetCandles(self, request: pb.GetCandlesRequest, context: Any) -> pb.GetCandlesResponse:
        query = CandleQuery(
            request.symbol,
            request.tf or "1h",
            convert.epoch_or_none(request, "from"),
            convert.epoch_or_none(request, "to"),
            request.limit,
        )
        symbol, bars, fresh = await self.market.candles(query)
        return convert.candles_response(symbol, query.tf, bars, fresh)

    async def StreamPrices(
        self, request: pb.StreamPricesRequest, context: Any
    ) -> AsyncIterator[pb.StreamPricesResponse]:
        async with self.market.hub.subscribe(request.symbol) as quotes:
            async for quote in quotes:
                yield convert.quote(quote)

    async def GetQuote(self, request: pb.GetQuoteRequest, context: Any) -> pb.GetQuoteResponse:
        return convert.quote_response(await self.market.quote(request.symbol))

    async def ListWatchlists(
        self, request: pb.ListWatchlistsRequest, context: Any
    ) -> pb.ListWatchlistsResponse:
        user = current_principal().require_user()
        lists = await watchlists.list_watchlists(self.market.db, user)
        return pb.ListWatchlistsResponse(watchlists=[convert.watchlist(w) for w in lists])

    async def CreateWatchlist(
        self, request: pb.CreateWatchlistRequest, context: Any
    ) -> pb.CreateWatchlistResponse:
        user = current_principal().require_user()
        created = await watchlists.create_watchlist(
            self.market.db, user, request.name, list(request.symbols), self.market.clock.now()
        )
        return pb.CreateWatchlistResponse(watchlist=convert.watchlist(created))

    async def GetWatchlist(self, request: pb.GetWatchlistRequest, context: Any) -> pb.GetWatchlistResponse:
        user = current_principal().require_user()
        found = await watchlists.get_watchlist(self.market.db, user, request.watchlist_id)
        return pb.GetWatchlistResponse(watchlist=convert.watchlist(found))

    async def UpdateWatchlist(
        self, request: pb.UpdateWatchlistRequest, context: Any
    ) -> pb.UpdateWatchlistResponse:
        user = current_principal().require_user()
        change = watchlists.WatchlistChange(
            name=request.name if request.HasField("name") else None,
            position=request.position if request.HasField("position") else None,
            symbols=list(request.symbols) if request.replace_symbols else None,
        )
        updated = await watchlists.update_watchlist(
            self.market.db, user, request.watchlist_id, change, self.market.clock.now()
        )
        return pb.UpdateWatchlistResponse(watchlist=convert.watchlist(updated))

    async def DeleteWatchlist(
        self, request: pb.DeleteWatchlistRequest, context: Any
    ) -> pb.DeleteWatchlistResponse:
        user = current_principal().require_user()
        await watchlists.delete_watchlist(self.market.db, user, request.watchlist_id)
        return pb.DeleteWatchlistResponse()

    async def AddWatchlistSymbol(
        self, request: pb.AddWatchlistSymbolRequest, context: Any
    ) -> pb.AddWatchlistSymbolResponse:
        user = current_principal().require_user()
        position = request.position if request.HasField("position") else None
        updated = await watchlists.add_symbol(
            self.market.db, user, request.watchlist_id, request.symbol, position, self.market.clock.now()
        )
        return pb.AddWatchlistSymbolResponse(watchlist=convert.watchlist(updated))

    async def RemoveWatchlistSymbol(
        self, request: pb.RemoveWatchlistSymbolRequest, context: Any
    ) -> pb.RemoveWatchlistSymbolResponse:
        user = current_principal().require_user()
        updated = await watchlists.remove_symbol(
            self.market.db, user, request.watchlist_id, request.symbol, self.market.clock.now()
        )
        return pb.RemoveWatchlistSymbolResponse(watchlist=convert.watchlist(updated))

    async def GetIndicators(self, request: pb.GetIndicatorsRequest, context: Any) -> pb.GetIndicatorsResponse:
        timeframe = request.timeframe or "1h"
        symbol, points, fresh = await self.market.indicators(request.symbol, timeframe, request.points or 1)
        return pb.GetIndicatorsResponse(
            symbol=symbol,
            timeframe=timeframe,
            points=[convert.indicator_point(p) for p in points],
            freshness=convert.freshness(fresh),
        )


class MarketDataServicer(rpc.MarketDataServiceServicer):
    """The Data Service: provider sync, spreads and the ML engine's indicator snapshot."""

    def __init__(self, market: Market) -> None:
        self.market = market

    async def GetDataHealth(self, request: pb.GetDataHealthRequest, context: Any) -> pb.GetDataHealthResponse:
        return convert.data_health(self.market.health())

    async def GetSyncStatus(self, request: pb.GetSyncStatusRequest, context: Any) -> pb.GetSyncStatusResponse:
        tickers = await self.market.sync.status()
        return convert.sync_status(tickers, self.market.provider_available)

    async def TriggerSync(self, request: pb.TriggerSyncRequest, context: Any) -> pb.TriggerSyncResponse:
        job_id = await self.market.sync.trigger(request.ticker_id, convert.epoch_or_none(request, "from"))
        return pb.TriggerSyncResponse(job_id=job_id)

    async def GetSyncHistory(
        self, request: pb.GetSyncHistoryRequest, context: Any
    ) -> pb.GetSyncHistoryResponse:
        status, jobs = await self.market.sync.history(request.ticker_id)
        return convert.sync_history(status, jobs)

    async def GetSpreads(self, request: pb.GetSpreadsRequest, context: Any) -> pb.GetSpreadsResponse:
        summary = await self.market.spreads(request.ticker_id, convert.SESSION_NAMES.get(request.session))
        return convert.spreads(summary)

    async def GetIndicatorSnapshot(
        self, request: pb.GetIndicatorSnapshotRequest, context: Any
    ) -> pb.GetIndicatorSnapshotResponse:
        symbol, latest, fresh = await self.market.indicator_snapshot(
            request.symbol, request.timeframe or "5m"
        )
        return pb.GetIndicatorSnapshotResponse(
            symbol=symbol, latest=convert.indicator_point(latest), freshness=convert.freshness(fresh)
        )
