"""gRPC servicers of market data: proto in and out, the domain does the work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from trading.market.v1 import market_messages_pb2 as pb
from trading.market.v1 import market_service_pb2_grpc as rpc

from core.convert import timestamp
from core.errors import InvalidArgument
from core.principal import current_principal
from svc_market import convert, symbols, watchlists
from svc_market.candles import CandleQuery
from svc_market.market import Market
from svc_market.spreads import spreads_by_session
from svc_market.sync import provider_available


class MarketServicer(rpc.MarketServiceServicer):
    """Symbols, candles, prices, watchlists and indicators for users."""

    def __init__(self, market: Market) -> None:
        self.market = market

    async def ListSymbols(self, request: pb.ListSymbolsRequest, context: Any) -> pb.ListSymbolsResponse:
        asset_type = convert.ASSET_TYPE_NAMES.get(request.asset_type)
        async with self.market.db.session() as session:
            rows = await symbols.list_symbols(session, asset_type)
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
        return pb.GetCandlesResponse(
            symbol=symbol, tf=query.tf, candles=convert.candles(bars), freshness=convert.freshness(fresh)
        )

    async def StreamPrices(
        self, request: pb.StreamPricesRequest, context: Any
    ) -> AsyncIterator[pb.StreamPricesResponse]:
        async with self.market.hub.subscribe(request.symbol) as quotes:
            async for quote in quotes:
                yield convert.quote(quote)

    async def GetQuote(self, request: pb.GetQuoteRequest, context: Any) -> pb.GetQuoteResponse:
        quote = await self.market.quotes.quote(request.symbol, self.market.clock.now())
        return pb.GetQuoteResponse(
            quote=convert.quote(quote), session=convert.SESSIONS[quote.session], spread=quote.spread
        )

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
        breaker = self.market.breaker
        polygon_on = self.market.sync.provider is not None
        available = provider_available(breaker)
        polygon = pb.ProviderHealth(
            name="polygon",
            enabled=polygon_on,
            available=polygon_on and available,
            retry_after_seconds=breaker.retry_after_s() if polygon_on else 0.0,
        )
        live = self.market.live
        # live prices: Polygon's WebSocket; while it is down the streams replay stored bars
        polygon_ws = pb.ProviderHealth(
            name="polygon_ws", enabled=live is not None, available=live is not None and live.any_up
        )
        stored = pb.ProviderHealth(name="stored", enabled=True, available=True)
        live_down = live is not None and bool(live.subscriptions()) and not live.any_up
        degraded = (polygon_on and not available) or live_down
        return pb.GetDataHealthResponse(
            status="degraded" if degraded else "ok", providers=[polygon, polygon_ws, stored]
        )

    async def GetSyncStatus(self, request: pb.GetSyncStatusRequest, context: Any) -> pb.GetSyncStatusResponse:
        tickers = []
        for t in await self.market.sync.status():
            item = pb.TickerSyncStatus(
                ticker_id=t.ticker_id,
                symbol=t.symbol,
                records_count=t.records_count,
                running_job_id=t.running_job_id,
            )
            if t.last_sync is not None:
                item.last_sync.CopyFrom(timestamp(t.last_sync))
            if t.last_bar_ts is not None:
                item.last_bar_time.CopyFrom(convert.ts_from_epoch(t.last_bar_ts))
            tickers.append(item)
        return pb.GetSyncStatusResponse(
            tickers=tickers, provider_available=provider_available(self.market.breaker)
        )

    async def TriggerSync(self, request: pb.TriggerSyncRequest, context: Any) -> pb.TriggerSyncResponse:
        job_id = await self.market.sync.trigger(request.ticker_id, convert.epoch_or_none(request, "from"))
        return pb.TriggerSyncResponse(job_id=job_id)

    async def GetSyncHistory(
        self, request: pb.GetSyncHistoryRequest, context: Any
    ) -> pb.GetSyncHistoryResponse:
        status, jobs = await self.market.sync.history(request.ticker_id)
        out = pb.GetSyncHistoryResponse(records_count=status.records_count)
        if status.last_sync is not None:
            out.last_sync.CopyFrom(timestamp(status.last_sync))
        for job in jobs:
            item = pb.SyncJob(
                job_id=job.id,
                ticker_id=job.symbol_id,
                symbol=status.symbol,
                records=job.records,
                error=job.error,
                state=_JOB_STATES[job.state],
                created_at=timestamp(job.created_at),
            )
            if job.finished_at is not None:
                item.finished_at.CopyFrom(timestamp(job.finished_at))
            out.jobs.append(item)
        return out

    async def GetSpreads(self, request: pb.GetSpreadsRequest, context: Any) -> pb.GetSpreadsResponse:
        only = convert.SESSION_NAMES.get(request.session)
        async with self.market.db.session() as session:
            symbol, stats = await spreads_by_session(session, request.ticker_id, only)
        total = sum(s.samples for s in stats)
        avg = (
            sum(s.avg * s.samples for s in stats) / total if total else sum(s.avg for s in stats) / len(stats)
        )
        return pb.GetSpreadsResponse(
            symbol=symbol,
            avg_spread=avg,
            min=min(s.min for s in stats),
            max=max(s.max for s in stats),
            sessions=[
                pb.SessionSpread(
                    session=convert.SESSIONS[s.session],
                    avg_spread=s.avg,
                    min=s.min,
                    max=s.max,
                    samples=s.samples,
                )
                for s in stats
            ],
        )

    async def GetIndicatorSnapshot(
        self, request: pb.GetIndicatorSnapshotRequest, context: Any
    ) -> pb.GetIndicatorSnapshotResponse:
        timeframe = request.timeframe or "5m"
        symbol, points, fresh = await self.market.indicators(request.symbol, timeframe, 1)
        if not points:
            raise InvalidArgument(f"no bars for {symbol}", reason="NO_DATA")
        return pb.GetIndicatorSnapshotResponse(
            symbol=symbol, latest=convert.indicator_point(points[-1]), freshness=convert.freshness(fresh)
        )


_JOB_STATES = {
    "queued": pb.SYNC_JOB_STATE_QUEUED,
    "running": pb.SYNC_JOB_STATE_RUNNING,
    "succeeded": pb.SYNC_JOB_STATE_SUCCEEDED,
    "failed": pb.SYNC_JOB_STATE_FAILED,
}
