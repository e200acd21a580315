"""MetaApiBroker: the Broker protocol over MetaAPI's REST trading API, on a hedging MT5 account.

Orders: market orders (`ORDER_TYPE_BUY|SELL`) with stop loss and take profit; limit and stop
orders as MT5 pending orders (`ORDER_TYPE_BUY_LIMIT` ... `ORDER_TYPE_SELL_STOP` with `openPrice`),
changed with `ORDER_MODIFY` and cancelled with `ORDER_CANCEL`. MT5 refuses a limit on the
marketable side, so a marketable limit is sent as a market order (it fills at once at the market,
as the contract says); a stop on the wrong side of the market is refused here
(`INVALID_STOP_PRICE`). MT5 pending orders have no immediate-or-cancel time in force: an IOC
limit or stop is refused (`TIME_IN_FORCE_NOT_SUPPORTED`). An order's id is MetaAPI's order id, its
client order id MetaAPI's `clientId`, so a retried order is found (pending or in the order
history) instead of placed twice.

Positions: every fill opens its own position (hedging: no netting); `POSITION_MODIFY` sets or
removes SL/TP, `POSITION_PARTIAL` / `POSITION_CLOSE_ID` close part or all of one. MT5 answers
`TRADE_RETCODE_INVALID_STOPS` for a wrong stop loss and a wrong take profit alike; the venue reads
the current price to say which. A position's margin is the account's margin shared by notional.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from core.errors import FailedPrecondition, InvalidArgument, NotFound
from svc_broker import rules
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
from svc_broker.market import Quote, SymbolSpec
from svc_broker.venues.metaapi.client import MetaApiClient, MetaApiError

DONE = {10008, 10009, 10010}  # placed, done, done partially
_REFUSALS = {
    "TRADE_RETCODE_MARKET_CLOSED": (FailedPrecondition, "MARKET_CLOSED"),
    "TRADE_RETCODE_NO_MONEY": (FailedPrecondition, "INSUFFICIENT_MARGIN"),
    "TRADE_RETCODE_INVALID_STOPS": (InvalidArgument, "INVALID_STOP_LOSS"),
    "TRADE_RETCODE_INVALID_VOLUME": (InvalidArgument, "AMOUNT_OUT_OF_RANGE"),
    "TRADE_RETCODE_INVALID_PRICE": (InvalidArgument, "INVALID_PRICE"),
    "TRADE_RETCODE_POSITION_CLOSED": (FailedPrecondition, "POSITION_CLOSED"),
}
_CLOSE_REASON = {"DEAL_REASON_SL": "stop_loss", "DEAL_REASON_TP": "take_profit", "DEAL_REASON_SO": "stop_out"}
_STATUS = {
    "ORDER_STATE_PLACED": "pending",
    "ORDER_STATE_STARTED": "pending",
    "ORDER_STATE_FILLED": "filled",
    "ORDER_STATE_PARTIAL": "filled",
    "ORDER_STATE_CANCELED": "cancelled",
    "ORDER_STATE_REJECTED": "rejected",
    "ORDER_STATE_EXPIRED": "expired",
}
EPOCH, FAR = "1970-01-01T00:00:00.000Z", "2100-01-01T00:00:00.000Z"


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _opt(value: Any) -> Decimal | None:
    return _d(value) if value is not None else None


def _minor(value: Any) -> int:
    return int((_d(value) * 100).to_integral_value(ROUND_HALF_EVEN))


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _action(side: str, kind: str) -> str:
    suffix = {"market": "", "limit": "_LIMIT", "stop": "_STOP"}[kind]
    return f"ORDER_TYPE_{'BUY' if side == 'buy' else 'SELL'}{suffix}"


def _levels(body: dict[str, Any], stop_loss: Decimal | None, take_profit: Decimal | None) -> dict[str, Any]:
    if stop_loss is not None:
        body["stopLoss"] = float(stop_loss)
    if take_profit is not None:
        body["takeProfit"] = float(take_profit)
    return body


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

    async def _quote(self, account: str, symbol: str) -> Quote:
        price = await self.client.current_price(account, symbol)
        return Quote(symbol, _d(price["bid"]), _d(price["ask"]), _time(price["time"]))

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

    async def _trade_with_levels(
        self, account: str, body: dict[str, Any], side: str, symbol: str, entry: Decimal | None
    ) -> dict[str, Any]:
        """A trade with SL/TP; MT5's one 'invalid stops' answer is told apart by the entry (the
        order's price, else the market the position or order is judged against)."""
        try:
            return await self._trade(account, body)
        except InvalidArgument as refused:
            if refused.reason != "INVALID_STOP_LOSS":
                raise
            if entry is None:
                quote = await self._quote(account, symbol)
                entry = quote.ask if side == "buy" else quote.bid
            rules.check_protection(side, entry, _opt(body.get("stopLoss")), _opt(body.get("takeProfit")))
            raise

    async def _deals(self, account: str) -> list[dict[str, Any]]:
        return sorted(await self.client.deals(account, EPOCH, FAR), key=lambda d: (d["time"], str(d["id"])))

    # ---- orders

    async def place_order(self, account: str, request: OrderRequest) -> OrderView:
        spec = self._spec(request.symbol)
        units = request.amount * spec.contract_size if request.unit == "lots" else request.amount
        rules.check_order_request(request, units, spec)
        if request.type != "market" and request.time_in_force == "ioc":
            raise FailedPrecondition(
                "MT5 pending orders have no immediate-or-cancel time in force",
                reason="TIME_IN_FORCE_NOT_SUPPORTED",
            )
        if request.client_order_id:
            for order in await self._orders(account):
                if order.client_order_id == request.client_order_id:
                    return order
        kind, price = (
            str(request.type),
            request.limit_price if request.type == "limit" else request.stop_price,
        )
        if kind != "market":
            quote = await self._quote(account, request.symbol)
            if kind == "stop":
                rules.check_stop_price(str(request.side), price, quote)
            elif (price or 0) >= quote.ask if request.side == "buy" else (price or 0) <= quote.bid:
                kind, price = "market", None  # marketable: MT5 takes it as a market order only
        if price is not None:
            rules.check_protection(str(request.side), price, request.stop_loss, request.take_profit)
        body: dict[str, Any] = {
            "actionType": _action(str(request.side), kind),
            "symbol": request.symbol,
            "volume": float(units / spec.contract_size),
        }
        if price is not None:
            body["openPrice"] = float(price)
        _levels(body, request.stop_loss, request.take_profit)
        if request.client_order_id:
            body["clientId"] = request.client_order_id
        answer = await self._trade_with_levels(account, body, str(request.side), request.symbol, price)
        return await self.get_order(account, str(answer["orderId"]))

    async def _orders(self, account: str) -> list[OrderView]:
        """Every order the account placed (pending and history, oldest first); closing orders
        (those whose deal closes a position) are the venue's, not the account's."""
        deals = await self._deals(account)
        fills = {str(d["orderId"]): d for d in deals if d.get("entryType") == "DEAL_ENTRY_IN"}
        closing = {str(d["orderId"]) for d in deals if d.get("entryType") == "DEAL_ENTRY_OUT"}
        raw = [*await self.client.history_orders(account, EPOCH, FAR), *await self.client.orders(account)]
        ordered = sorted(raw, key=lambda o: (o["time"], str(o["id"])))
        return [self._order(o, fills.get(str(o["id"]))) for o in ordered if str(o["id"]) not in closing]

    def _order(self, o: dict[str, Any], fill: dict[str, Any] | None) -> OrderView:
        spec = self._spec(o["symbol"])
        kind = "limit" if o["type"].endswith("LIMIT") else "stop" if o["type"].endswith("STOP") else "market"
        created = _time(o["time"])
        done = _time(o["doneTime"]) if o.get("doneTime") else None
        status = _STATUS.get(o.get("state", ""), "pending")
        return OrderView(
            order_id=str(o["id"]),
            client_order_id=o.get("clientId"),
            symbol=o["symbol"],
            side="buy" if o["type"].startswith("ORDER_TYPE_BUY") else "sell",
            type=kind,
            time_in_force="ioc" if kind == "market" else "gtc",
            quantity=_d(o["volume"]) * spec.contract_size,
            lots=_d(o["volume"]),
            limit_price=_opt(o.get("openPrice")) if kind == "limit" else None,
            stop_price=_opt(o.get("openPrice")) if kind == "stop" else None,
            stop_loss=_opt(o.get("stopLoss")),
            take_profit=_opt(o.get("takeProfit")),
            status=status,
            fill_price=_d(fill["price"]) if fill else None,
            reject_reason=None,
            created_at=created,
            updated_at=done or created,
            filled_at=_time(fill["time"]) if fill else None,
            expires_at=None,
        )

    async def _pending(self, account: str, order_id: str) -> OrderView:
        order = await self.get_order(account, order_id)
        if order.status != "pending":
            raise FailedPrecondition(
                f"order {order_id} is {order.status}, not pending", reason="ORDER_NOT_PENDING"
            )
        return order

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
        order = await self._pending(account, order_id)
        for name, value in (("limit_price", limit_price), ("stop_price", stop_price)):
            rules.check_positive(name, value)
        price = (
            (limit_price or order.limit_price) if order.type == "limit" else (stop_price or order.stop_price)
        )
        sl = order.stop_loss if stop_loss is UNCHANGED else stop_loss
        tp = order.take_profit if take_profit is UNCHANGED else take_profit
        assert price is not None
        rules.check_protection(order.side, price, sl, tp)
        body = _levels({"actionType": "ORDER_MODIFY", "orderId": order_id, "openPrice": float(price)}, sl, tp)
        try:
            await self._trade(account, body)
        except InvalidArgument as refused:
            if refused.reason == "INVALID_PRICE":
                field = "limit_price" if order.type == "limit" else "stop_price"
                raise InvalidArgument(
                    f"{field} is on the wrong side of the market", reason=f"INVALID_{field.upper()}"
                ) from refused
            raise
        return await self.get_order(account, order_id)

    async def cancel_order(self, account: str, order_id: str) -> OrderView:
        await self._pending(account, order_id)
        await self._trade(account, {"actionType": "ORDER_CANCEL", "orderId": order_id})
        return await self.get_order(account, order_id)

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
            if (status is None or o.status == status) and (symbol is None or o.symbol == symbol)
        ]
        return _page(orders, page_size, page_token)

    # ---- positions

    def _position(self, p: dict[str, Any], currency: str, margin_minor: int) -> PositionView:
        spec = self._spec(p["symbol"])
        return PositionView(
            position_id=str(p["id"]),
            symbol=p["symbol"],
            side="long" if p["type"] == "POSITION_TYPE_BUY" else "short",
            quantity=_d(p["volume"]) * spec.contract_size,
            entry_price=_d(p["openPrice"]),
            current_price=_opt(p.get("currentPrice")),
            unrealized_pnl_minor=_minor(p.get("profit", 0)),
            realized_pnl_minor=0,
            margin_minor=margin_minor,
            stop_loss=_opt(p.get("stopLoss")),
            take_profit=_opt(p.get("takeProfit")),
            status="open",
            opened_at=_time(p["time"]),
            closed_at=None,
            currency=currency,
        )

    def _notional(self, p: dict[str, Any]) -> Decimal:
        return _d(p["volume"]) * self._spec(p["symbol"]).contract_size * _d(p["openPrice"])

    async def _open_positions(self, account: str) -> list[PositionView]:
        info = await self.client.account_information(account)
        raw = await self.client.positions(account)
        total = sum((self._notional(p) for p in raw), Decimal(0))
        margin = _minor(info.get("margin", 0))
        views: list[PositionView] = []
        for i, p in enumerate(raw):  # the account's margin shared by notional; the last takes the rest
            share = int(margin * self._notional(p) / total) if total else 0
            if i == len(raw) - 1:
                share = margin - sum(v.margin_minor for v in views)
            views.append(self._position(p, info["currency"], share))
        return views

    async def positions(
        self, account: str, *, status: str = "open", page_size: int = 0, page_token: str = ""
    ) -> Page[PositionView]:
        if status == "open":
            return _page(await self._open_positions(account), page_size, page_token)
        if status != "closed":
            return Page([], "")
        info = await self.client.account_information(account)
        deals = await self._deals(account)
        open_ids = {p.position_id for p in await self._open_positions(account)}
        closed = []
        for pid in dict.fromkeys(str(d.get("positionId")) for d in reversed(deals)):
            if pid not in open_ids:
                view = self._closed_from(deals, pid, info["currency"])
                if view is not None:
                    closed.append(view)
        return _page(closed, page_size, page_token)

    async def get_position(self, account: str, position_id: str) -> PositionView:
        for p in await self._open_positions(account):
            if p.position_id == position_id:
                return p
        currency = (await self.client.account_information(account))["currency"]
        view = self._closed_from(await self._deals(account), position_id, currency)
        if view is None:
            raise NotFound(f"no position {position_id}", reason="POSITION_NOT_FOUND")
        return view

    def _closed_from(
        self, deals: list[dict[str, Any]], position_id: str, currency: str
    ) -> PositionView | None:
        mine = [d for d in deals if str(d.get("positionId")) == position_id]
        opening = [d for d in mine if d.get("entryType") == "DEAL_ENTRY_IN"]
        closing = [d for d in mine if d.get("entryType") == "DEAL_ENTRY_OUT"]
        if not opening or not closing:
            return None
        first, last = opening[0], closing[-1]
        spec = self._spec(first["symbol"])
        return PositionView(
            position_id=position_id,
            symbol=first["symbol"],
            side="long" if first["type"] == "DEAL_TYPE_BUY" else "short",
            quantity=_d(first["volume"]) * spec.contract_size,
            entry_price=_d(first["price"]),
            current_price=_d(last["price"]),
            unrealized_pnl_minor=0,
            realized_pnl_minor=sum(_minor(d.get("profit", 0)) for d in closing),
            margin_minor=0,
            stop_loss=_opt(first.get("stopLoss")),
            take_profit=_opt(first.get("takeProfit")),
            status="closed",
            opened_at=_time(first["time"]),
            closed_at=_time(last["time"]),
            currency=currency,
        )

    async def _open_position(self, account: str, position_id: str) -> PositionView:
        position = await self.get_position(account, position_id)
        if position.status != "open":
            raise FailedPrecondition(f"position {position_id} is closed", reason="POSITION_CLOSED")
        return position

    async def close_position(
        self, account: str, position_id: str, quantity: Decimal | None = None
    ) -> CloseResult:
        position = await self._open_position(account, position_id)
        spec = self._spec(position.symbol)
        body: dict[str, Any] = {"actionType": "POSITION_CLOSE_ID", "positionId": position_id}
        if quantity is not None and quantity != position.quantity:
            if quantity > position.quantity:
                raise InvalidArgument(
                    f"the position holds {position.quantity}, not {quantity}",
                    reason="CLOSE_QUANTITY_OUT_OF_RANGE",
                    violations=[("quantity", "more than the position holds")],
                )
            rules.check_close_quantity(quantity, position.quantity, spec)
            body = {
                "actionType": "POSITION_PARTIAL",
                "positionId": position_id,
                "volume": float(quantity / spec.contract_size),
            }
        await self._trade(account, body)
        trade = next(r for r in (await self.execution_reports(account)).items if r.position_id == position_id)
        return CloseResult(await self.get_position(account, position_id), trade)

    async def modify_position(
        self,
        account: str,
        position_id: str,
        *,
        stop_loss: Decimal | None = UNCHANGED,
        take_profit: Decimal | None = UNCHANGED,
    ) -> PositionView:
        position = await self._open_position(account, position_id)
        sl = position.stop_loss if stop_loss is UNCHANGED else stop_loss
        tp = position.take_profit if take_profit is UNCHANGED else take_profit
        quote = await self._quote(account, position.symbol)
        side = "buy" if position.side == "long" else "sell"
        rules.check_protection(side, quote.bid if side == "buy" else quote.ask, sl, tp)
        body = _levels({"actionType": "POSITION_MODIFY", "positionId": position_id}, sl, tp)
        await self._trade_with_levels(account, body, side, position.symbol, None)
        return await self.get_position(account, position_id)

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


class MetaApiAccounts:
    """One MetaAPI account per investment account, created through the provisioning API with a
    transaction id derived from the investment account (a retried step gets the same account)."""

    def __init__(self, client: MetaApiClient, *, server: str, platform: str = "mt5") -> None:
        self.client, self.server, self.platform = client, server, platform

    async def open(self, account_id: str) -> str:
        body = {
            "name": f"inv-{account_id}",
            "server": self.server,
            "platform": self.platform,
            "type": "cloud-g2",
            "magic": 0,
            "application": "MetaApi",
        }
        try:
            created = await self.client.create_account(body, transaction_id=account_id.replace("-", "")[:32])
        except MetaApiError as refused:
            raise FailedPrecondition(
                f"MetaAPI refused the account: {refused}", reason="VENUE_ACCOUNT_REFUSED"
            ) from refused
        return str(created["id"])


def _page(items: list[Any], page_size: int, page_token: str) -> Page[Any]:
    size = page_size or 50
    offset = int(page_token) if page_token.isdigit() else 0
    chunk = items[offset : offset + size]
    more = offset + size < len(items)
    return Page(chunk, str(offset + size) if more else "")
