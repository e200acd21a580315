"""MetaApiBroker: the Broker protocol over MetaAPI's REST trading API.

Market orders with stop loss and take profit, open positions, closing, account information and
the deal history (fills and execution reports). An order's id is MetaAPI's `orderId`, its client
order id MetaAPI's `clientId`, so a retried order is found in the deal history instead of placed
twice. Pending orders and modifications are refused (`ORDER_TYPE_NOT_SUPPORTED`, `UNSUPPORTED`):
the trading agents send market orders only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from core.errors import FailedPrecondition, InvalidArgument, NotFound
from svc_broker.broker import (
    UNCHANGED,
    AccountView,
    CloseResult,
    ExecutionReport,
    OrderRequest,
    OrderView,
    Page,
    PositionView,
)
from svc_broker.market import SymbolSpec
from svc_broker.venues.metaapi.client import MetaApiClient, MetaApiError

DONE = {10008, 10009, 10010}  # placed, done, done partially
_REFUSALS = {
    "TRADE_RETCODE_MARKET_CLOSED": (FailedPrecondition, "MARKET_CLOSED"),
    "TRADE_RETCODE_NO_MONEY": (FailedPrecondition, "INSUFFICIENT_MARGIN"),
    "TRADE_RETCODE_INVALID_STOPS": (InvalidArgument, "INVALID_STOP_LOSS"),
    "TRADE_RETCODE_INVALID_VOLUME": (InvalidArgument, "AMOUNT_OUT_OF_RANGE"),
    "TRADE_RETCODE_POSITION_CLOSED": (FailedPrecondition, "POSITION_CLOSED"),
}
_CLOSE_REASON = {"DEAL_REASON_SL": "stop_loss", "DEAL_REASON_TP": "take_profit", "DEAL_REASON_SO": "stop_out"}
EPOCH, FAR = "1970-01-01T00:00:00.000Z", "2100-01-01T00:00:00.000Z"


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _minor(value: Any) -> int:
    return int((_d(value) * 100).to_integral_value(ROUND_HALF_EVEN))


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class MetaApiBroker:
    def __init__(self, client: MetaApiClient, spec_of: Callable[[str], SymbolSpec | None]) -> None:
        self.client, self.spec_of = client, spec_of

    def _spec(self, symbol: str) -> SymbolSpec:
        spec = self.spec_of(symbol)
        if spec is None:
            raise InvalidArgument(
                f"unknown symbol {symbol}", reason="UNKNOWN_SYMBOL", violations=[("symbol", "unknown")]
            )
        return spec

    async def _trade(self, account: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = await self.client.trade(account, body)
        except MetaApiError as refused:
            answer = refused.body
        if answer.get("numericCode") in DONE:
            return answer
        code = str(answer.get("stringCode", ""))
        kind, reason = _REFUSALS.get(code, (FailedPrecondition, "VENUE_REFUSED"))
        raise kind(f"MetaAPI refused the trade: {answer.get('message', code)}", reason=reason)

    async def _deals(self, account: str) -> list[dict[str, Any]]:
        return sorted(await self.client.deals(account, EPOCH, FAR), key=lambda d: (d["time"], str(d["id"])))

    # ---- orders

    async def place_order(self, account: str, request: OrderRequest) -> OrderView:
        if request.type != "market":
            raise FailedPrecondition(
                "the MetaAPI venue takes market orders only", reason="ORDER_TYPE_NOT_SUPPORTED"
            )
        spec = self._spec(request.symbol)
        if request.client_order_id:
            for order in await self._orders(account):
                if order.client_order_id == request.client_order_id:
                    return order
        lots = request.amount if request.unit == "lots" else request.amount / spec.contract_size
        body: dict[str, Any] = {
            "actionType": "ORDER_TYPE_BUY" if request.side == "buy" else "ORDER_TYPE_SELL",
            "symbol": request.symbol,
            "volume": float(lots),
        }
        if request.stop_loss is not None:
            body["stopLoss"] = float(request.stop_loss)
        if request.take_profit is not None:
            body["takeProfit"] = float(request.take_profit)
        if request.client_order_id:
            body["clientId"] = request.client_order_id
        answer = await self._trade(account, body)
        return await self.get_order(account, str(answer["orderId"]))

    async def _orders(self, account: str) -> list[OrderView]:
        return [self._order(d) for d in await self._deals(account) if d.get("entryType") == "DEAL_ENTRY_IN"]

    def _order(self, deal: dict[str, Any]) -> OrderView:
        spec = self._spec(deal["symbol"])
        at = _time(deal["time"])
        return OrderView(
            order_id=str(deal["orderId"]),
            client_order_id=deal.get("clientId"),
            symbol=deal["symbol"],
            side="buy" if deal["type"] == "DEAL_TYPE_BUY" else "sell",
            type="market",
            time_in_force="ioc",
            quantity=_d(deal["volume"]) * spec.contract_size,
            lots=_d(deal["volume"]),
            limit_price=None,
            stop_price=None,
            stop_loss=_d(deal["stopLoss"]) if deal.get("stopLoss") is not None else None,
            take_profit=_d(deal["takeProfit"]) if deal.get("takeProfit") is not None else None,
            status="filled",
            fill_price=_d(deal["price"]),
            reject_reason=None,
            created_at=at,
            updated_at=at,
            filled_at=at,
            expires_at=None,
        )

    async def modify_order(
        self,
        account: str,
        order_id: str,
        *,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        stop_loss: Decimal | None = UNCHANGED,
        take_profit: Decimal | None = UNCHANGED,
    ) -> OrderView:
        raise FailedPrecondition("market orders fill at once: nothing to modify", reason="ORDER_NOT_PENDING")

    async def cancel_order(self, account: str, order_id: str) -> OrderView:
        raise FailedPrecondition("market orders fill at once: nothing to cancel", reason="ORDER_NOT_PENDING")

    async def get_order(self, account: str, order_id: str) -> OrderView:
        for order in await self._orders(account):
            if order.order_id == order_id:
                return order
        raise NotFound(f"no order {order_id}", reason="ORDER_NOT_FOUND")

    async def list_orders(
        self,
        account: str,
        *,
        status: str | None = None,
        symbol: str | None = None,
        page_size: int = 0,
        page_token: str = "",
    ) -> Page[OrderView]:
        orders = [
            o
            for o in reversed(await self._orders(account))
            if (status in (None, "filled")) and (symbol is None or o.symbol == symbol)
        ]
        return _page(orders, page_size, page_token)

    # ---- positions

    def _position(self, p: dict[str, Any], currency: str) -> PositionView:
        spec = self._spec(p["symbol"])
        return PositionView(
            position_id=str(p["id"]),
            symbol=p["symbol"],
            side="long" if p["type"] == "POSITION_TYPE_BUY" else "short",
            quantity=_d(p["volume"]) * spec.contract_size,
            entry_price=_d(p["openPrice"]),
            current_price=_d(p["currentPrice"]) if p.get("currentPrice") is not None else None,
            unrealized_pnl_minor=_minor(p.get("profit", 0)),
            realized_pnl_minor=0,
            margin_minor=_minor(p.get("margin", 0)),
            stop_loss=_d(p["stopLoss"]) if p.get("stopLoss") is not None else None,
            take_profit=_d(p["takeProfit"]) if p.get("takeProfit") is not None else None,
            status="open",
            opened_at=_time(p["time"]),
            closed_at=None,
            currency=currency,
        )

    async def positions(
        self, account: str, *, status: str = "open", page_size: int = 0, page_token: str = ""
    ) -> Page[PositionView]:
        if status != "open":
            return Page([], "")
        info = await self.client.account_information(account)
        views = [self._position(p, info["currency"]) for p in await self.client.positions(account)]
        return _page(views, page_size, page_token)

    async def get_position(self, account: str, position_id: str) -> PositionView:
        for p in (await self.positions(account)).items:
            if p.position_id == position_id:
                return p
        deals = [d for d in await self._deals(account) if str(d.get("positionId")) == position_id]
        opening = [d for d in deals if d.get("entryType") == "DEAL_ENTRY_IN"]
        closing = [d for d in deals if d.get("entryType") == "DEAL_ENTRY_OUT"]
        if not opening or not closing:
            raise NotFound(f"no position {position_id}", reason="POSITION_NOT_FOUND")
        return self._closed(
            opening[0], closing[-1], (await self.client.account_information(account))["currency"]
        )

    def _closed(self, opening: dict[str, Any], closing: dict[str, Any], currency: str) -> PositionView:
        spec = self._spec(opening["symbol"])
        return PositionView(
            position_id=str(opening["positionId"]),
            symbol=opening["symbol"],
            side="long" if opening["type"] == "DEAL_TYPE_BUY" else "short",
            quantity=_d(opening["volume"]) * spec.contract_size,
            entry_price=_d(opening["price"]),
            current_price=_d(closing["price"]),
            unrealized_pnl_minor=0,
            realized_pnl_minor=_minor(closing.get("profit", 0)),
            margin_minor=0,
            stop_loss=_d(opening["stopLoss"]) if opening.get("stopLoss") is not None else None,
            take_profit=_d(opening["takeProfit"]) if opening.get("takeProfit") is not None else None,
            status="closed",
            opened_at=_time(opening["time"]),
            closed_at=_time(closing["time"]),
            currency=currency,
        )

    async def close_position(
        self, account: str, position_id: str, quantity: Decimal | None = None
    ) -> CloseResult:
        position = await self.get_position(account, position_id)
        body: dict[str, Any] = {"actionType": "POSITION_CLOSE_ID", "positionId": position_id}
        if quantity is not None:
            body = {
                "actionType": "POSITION_PARTIAL",
                "positionId": position_id,
                "volume": float(quantity / self._spec(position.symbol).contract_size),
            }
        await self._trade(account, body)
        closing = [r for r in (await self.execution_reports(account)).items if r.position_id == position_id]
        trade = closing[0]
        closed = PositionView(
            **{
                **position.__dict__,
                "status": "closed",
                "closed_at": trade.executed_at,
                "current_price": trade.price,
                "unrealized_pnl_minor": 0,
                "realized_pnl_minor": trade.realized_pnl_minor,
            }
        )
        return CloseResult(closed, trade)

    async def modify_position(
        self,
        account: str,
        position_id: str,
        *,
        stop_loss: Decimal | None = UNCHANGED,
        take_profit: Decimal | None = UNCHANGED,
    ) -> PositionView:
        raise FailedPrecondition("changing SL/TP is not offered on the MetaAPI venue", reason="UNSUPPORTED")

    # ---- account and history

    async def account_state(self, account: str) -> AccountView:
        info = await self.client.account_information(account)
        deals = await self._deals(account)
        realized = sum(_minor(d.get("profit", 0)) for d in deals)
        balance, equity, margin = (
            _minor(info["balance"]),
            _minor(info["equity"]),
            _minor(info.get("margin", 0)),
        )
        level = _d(info["marginLevel"]) if info.get("marginLevel") else None
        opened = _time(deals[0]["time"]) if deals else datetime.fromisoformat("1970-01-01T00:00:00+00:00")
        return AccountView(
            account_id=account,
            currency=info["currency"],
            balance_minor=balance,
            equity_minor=equity,
            margin_minor=margin,
            free_margin_minor=_minor(info.get("freeMargin", 0)),
            margin_level_percent=level,
            margin_call=False,
            initial_balance_minor=balance - realized,
            created_at=opened,
            reset_at=None,
        )

    async def execution_reports(
        self, account: str, *, symbol: str | None = None, page_size: int = 0, page_token: str = ""
    ) -> Page[ExecutionReport]:
        info = await self.client.account_information(account)
        reports = []
        for d in reversed(await self._deals(account)):
            if symbol is not None and d["symbol"] != symbol:
                continue
            closing = d.get("entryType") == "DEAL_ENTRY_OUT"
            reports.append(
                ExecutionReport(
                    trade_id=str(d["id"]),
                    order_id=str(d["orderId"]) if d.get("orderId") else None,
                    position_id=str(d.get("positionId", "")),
                    symbol=d["symbol"],
                    side="buy" if d["type"] == "DEAL_TYPE_BUY" else "sell",
                    quantity=_d(d["volume"]) * self._spec(d["symbol"]).contract_size,
                    price=_d(d["price"]),
                    realized_pnl_minor=_minor(d.get("profit", 0)),
                    reason=_CLOSE_REASON.get(d.get("reason", ""), "close") if closing else "order",
                    executed_at=_time(d["time"]),
                    currency=info["currency"],
                )
            )
        return _page(reports, page_size, page_token)


def _page(items: list[Any], page_size: int, page_token: str) -> Page[Any]:
    size = page_size or 50
    offset = int(page_token) if page_token.isdigit() else 0
    chunk = items[offset : offset + size]
    more = offset + size < len(items)
    return Page(chunk, str(offset + size) if more else "")
