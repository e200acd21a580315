"""A loopback fake of MetaAPI's REST API (the endpoints MetaApiClient calls), speaking MetaAPI's
JSON: the `auth-token` header (401 without it); trade requests (`actionType` ORDER_TYPE_BUY/SELL,
ORDER_TYPE_BUY_LIMIT/SELL_LIMIT/BUY_STOP/SELL_STOP with `openPrice`, ORDER_MODIFY, ORDER_CANCEL,
POSITION_MODIFY, POSITION_PARTIAL, POSITION_CLOSE_ID) answered with `numericCode`/`stringCode`;
pending orders (`/orders`), history orders and deals by time, positions, account information,
the symbol's current price; and the provisioning API's account creation (`transaction-id`
header: a repeated request returns the same account).

A hedging MT5 account: every fill opens its own position. Market orders fill at the ask (buy) or
bid (sell); a pending order fills at the market once it reaches its price (a limit at its price
or better, a stop at the first price past it); a move through a stop loss or take profit closes
the position with a `DEAL_REASON_SL`/`DEAL_REASON_TP` deal. Margin is volume x contract x price
/ 30, checked when an order is placed. `fail` makes the next calls answer 500."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

from core.clock import Clock

D = Decimal
CONTRACT = {"EURUSD": D(100_000), "USDJPY": D(100_000), "BTCUSD": D(1)}
MIN_LOTS = {"EURUSD": D("0.01"), "USDJPY": D("0.01"), "BTCUSD": D("0.001")}
LEVERAGE = 30
DONE = {"numericCode": 10009, "stringCode": "TRADE_RETCODE_DONE", "message": "Request completed"}
PLACED = {"numericCode": 10008, "stringCode": "TRADE_RETCODE_PLACED", "message": "Order placed"}
_PENDING = {"ORDER_TYPE_BUY_LIMIT", "ORDER_TYPE_SELL_LIMIT", "ORDER_TYPE_BUY_STOP", "ORDER_TYPE_SELL_STOP"}


def _refusal(code: int, name: str, message: str) -> web.Response:
    return web.json_response({"numericCode": code, "stringCode": name, "message": message})


def _f(value: Any) -> Decimal:
    return D(str(value))


@dataclass
class FakeAccount:
    balance: Decimal = field(default_factory=lambda: D(10_000))
    positions: dict[str, dict[str, Any]] = field(default_factory=dict)
    deals: list[dict[str, Any]] = field(default_factory=list)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)


class FakeMetaApi:
    def __init__(self, token: str, clock: Clock) -> None:
        self.token, self.clock = token, clock
        self.accounts: dict[str, FakeAccount] = {}
        self.provisioned: dict[str, dict[str, Any]] = {}  # transaction id -> the account created
        self.quotes: dict[str, tuple[Decimal, Decimal]] = {}
        self.fail = 0
        self._ids = itertools.count(1000)
        self.app = web.Application(middlewares=[self._guard])
        base = "/users/current/accounts/{account}"
        self.app.router.add_post("/users/current/accounts", self._provision)
        self.app.router.add_post(f"{base}/trade", self._trade)
        self.app.router.add_get(f"{base}/positions", self._positions)
        self.app.router.add_get(f"{base}/orders", self._orders)
        self.app.router.add_get(f"{base}/account-information", self._info)
        self.app.router.add_get(f"{base}/symbols/{{symbol}}/current-price", self._price)
        self.app.router.add_get(f"{base}/history-deals/time/{{start}}/{{end}}", self._deals)
        self.app.router.add_get(f"{base}/history-orders/time/{{start}}/{{end}}", self._history_orders)

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.headers.get("auth-token") != self.token:
            return web.json_response(
                {"id": 1, "error": "UnauthorizedError", "message": "bad auth-token"}, status=401
            )
        if self.fail:
            self.fail -= 1
            return web.json_response({"id": 1, "error": "InternalError", "message": "try later"}, status=500)
        return await handler(request)  # type: ignore[no-any-return]

    def account(self, request: web.Request) -> FakeAccount:
        return self.accounts.setdefault(request.match_info["account"], FakeAccount())

    def _now(self) -> str:
        return self.clock.now().isoformat().replace("+00:00", "Z")

    # ---- provisioning

    async def _provision(self, request: web.Request) -> web.Response:
        body = await request.json()
        transaction = request.headers.get("transaction-id")
        if not transaction or not body.get("name") or body.get("platform") not in ("mt4", "mt5"):
            return web.json_response(
                {"id": 1, "error": "ValidationError", "message": "name, platform and transaction-id needed"},
                status=400,
            )
        created = self.provisioned.get(transaction)
        if created is None:
            created = {"id": f"meta-{next(self._ids)}", "state": "DEPLOYED", "name": body["name"]}
            self.provisioned[transaction] = created
            self.accounts[created["id"]] = FakeAccount()
        return web.json_response({"id": created["id"], "state": created["state"]}, status=201)

    # ---- prices, margin, profit

    def _profit(self, p: dict[str, Any], exit_price: Decimal, volume: Decimal | None = None) -> Decimal:
        sign = 1 if p["type"] == "POSITION_TYPE_BUY" else -1
        lots = _f(p["volume"]) if volume is None else volume
        return (sign * (exit_price - _f(p["openPrice"])) * lots * CONTRACT[p["symbol"]]).quantize(D("0.01"))

    def _mark(self, p: dict[str, Any]) -> Decimal:
        bid, ask = self.quotes[p["symbol"]]
        return bid if p["type"] == "POSITION_TYPE_BUY" else ask

    def _margin(self, acc: FakeAccount) -> Decimal:
        used = sum(
            (
                _f(p["volume"]) * CONTRACT[p["symbol"]] * _f(p["openPrice"]) / LEVERAGE
                for p in acc.positions.values()
            ),
            D(0),
        )
        return used.quantize(D("0.01"))

    def _equity(self, acc: FakeAccount) -> Decimal:
        return acc.balance + sum((self._profit(p, self._mark(p)) for p in acc.positions.values()), D(0))

    @staticmethod
    def _wrong_stops(buy: bool, entry: Decimal, sl: Any, tp: Any) -> bool:
        if sl is not None and (_f(sl) >= entry if buy else _f(sl) <= entry):
            return True
        return tp is not None and (_f(tp) <= entry if buy else _f(tp) >= entry)

    # ---- trading

    async def _trade(self, request: web.Request) -> web.Response:
        body = await request.json()
        acc = self.account(request)
        action = body["actionType"]
        if action in ("ORDER_TYPE_BUY", "ORDER_TYPE_SELL") or action in _PENDING:
            return self._order(acc, body)
        if action in ("ORDER_MODIFY", "ORDER_CANCEL"):
            return self._change_order(acc, body)
        if action in ("POSITION_CLOSE_ID", "POSITION_PARTIAL", "POSITION_MODIFY"):
            return self._change_position(acc, body)
        return _refusal(10013, "TRADE_RETCODE_INVALID", f"unsupported {action}")

    def _order(self, acc: FakeAccount, body: dict[str, Any]) -> web.Response:
        action, symbol = body["actionType"], body["symbol"]
        bid, ask = self.quotes[symbol]
        buy = action.startswith("ORDER_TYPE_BUY")
        pending = action in _PENDING
        price = _f(body["openPrice"]) if pending else (ask if buy else bid)
        if pending:
            limit = action.endswith("LIMIT")
            wrong = (
                (price >= ask if buy else price <= bid) if limit else (price <= ask if buy else price >= bid)
            )
            if wrong:
                return _refusal(10015, "TRADE_RETCODE_INVALID_PRICE", "Invalid price")
        if self._wrong_stops(buy, price, body.get("stopLoss"), body.get("takeProfit")):
            return _refusal(10016, "TRADE_RETCODE_INVALID_STOPS", "Invalid stops")
        volume = _f(body["volume"])
        if volume < MIN_LOTS[symbol] or volume > D(100):
            return _refusal(10014, "TRADE_RETCODE_INVALID_VOLUME", "Invalid volume")
        if self._margin(acc) + volume * CONTRACT[symbol] * price / LEVERAGE > self._equity(acc):
            return _refusal(10019, "TRADE_RETCODE_NO_MONEY", "No money")
        order_id = str(next(self._ids))
        order = {
            "id": order_id,
            "type": action,
            "state": "ORDER_STATE_PLACED",
            "symbol": symbol,
            "volume": body["volume"],
            "currentVolume": body["volume"],
            "openPrice": float(price) if pending else None,
            "stopLoss": body.get("stopLoss"),
            "takeProfit": body.get("takeProfit"),
            "clientId": body.get("clientId"),
            "time": self._now(),
        }
        acc.orders[order_id] = order
        if pending:
            return web.json_response({**PLACED, "orderId": order_id})
        self._fill(acc, order, price)
        return web.json_response({**DONE, "orderId": order_id, "positionId": order_id})

    def _fill(self, acc: FakeAccount, order: dict[str, Any], price: Decimal) -> None:
        buy = order["type"].startswith("ORDER_TYPE_BUY")
        order.update(
            state="ORDER_STATE_FILLED", doneTime=self._now(), positionId=order["id"], currentVolume=0
        )
        position = {
            "id": order["id"],
            "type": "POSITION_TYPE_BUY" if buy else "POSITION_TYPE_SELL",
            "symbol": order["symbol"],
            "volume": order["volume"],
            "openPrice": float(price),
            "time": self._now(),
            "stopLoss": order.get("stopLoss"),
            "takeProfit": order.get("takeProfit"),
            "clientId": order.get("clientId"),
        }
        acc.positions[order["id"]] = position
        acc.deals.append(
            self._deal(position, order["id"], "DEAL_ENTRY_IN", price, D(0), "DEAL_REASON_EXPERT")
        )

    def _change_order(self, acc: FakeAccount, body: dict[str, Any]) -> web.Response:
        order = acc.orders.get(str(body.get("orderId")))
        if order is None or order["state"] != "ORDER_STATE_PLACED":
            return _refusal(10013, "TRADE_RETCODE_INVALID", "Invalid request: no such pending order")
        if body["actionType"] == "ORDER_CANCEL":
            order.update(state="ORDER_STATE_CANCELED", doneTime=self._now())
            return web.json_response({**DONE, "orderId": order["id"]})
        buy = order["type"].startswith("ORDER_TYPE_BUY")
        price = _f(body["openPrice"])
        bid, ask = self.quotes[order["symbol"]]
        limit = order["type"].endswith("LIMIT")
        if (price >= ask if buy else price <= bid) if limit else (price <= ask if buy else price >= bid):
            return _refusal(10015, "TRADE_RETCODE_INVALID_PRICE", "Invalid price")
        if self._wrong_stops(buy, price, body.get("stopLoss"), body.get("takeProfit")):
            return _refusal(10016, "TRADE_RETCODE_INVALID_STOPS", "Invalid stops")
        order.update(openPrice=float(price), stopLoss=body.get("stopLoss"), takeProfit=body.get("takeProfit"))
        return web.json_response({**DONE, "orderId": order["id"]})

    def _change_position(self, acc: FakeAccount, body: dict[str, Any]) -> web.Response:
        position = acc.positions.get(str(body["positionId"]))
        if position is None:
            return _refusal(10036, "TRADE_RETCODE_POSITION_CLOSED", "Position already closed")
        action = body["actionType"]
        if action == "POSITION_MODIFY":
            buy = position["type"] == "POSITION_TYPE_BUY"
            if self._wrong_stops(buy, self._mark(position), body.get("stopLoss"), body.get("takeProfit")):
                return _refusal(10016, "TRADE_RETCODE_INVALID_STOPS", "Invalid stops")
            position.update(stopLoss=body.get("stopLoss"), takeProfit=body.get("takeProfit"))
            return web.json_response({**DONE, "positionId": position["id"]})
        volume = _f(body["volume"]) if action == "POSITION_PARTIAL" else _f(position["volume"])
        if volume <= 0 or volume > _f(position["volume"]):
            return _refusal(10014, "TRADE_RETCODE_INVALID_VOLUME", "Invalid volume")
        self._close(acc, position, self._mark(position), "DEAL_REASON_EXPERT", volume)
        return web.json_response({**DONE, "positionId": position["id"]})

    def _deal(
        self,
        p: dict[str, Any],
        order_id: str,
        entry: str,
        price: Decimal,
        profit: Decimal,
        reason: str,
        volume: Decimal | None = None,
    ) -> dict:
        buy = p["type"] == "POSITION_TYPE_BUY"
        side = buy if entry == "DEAL_ENTRY_IN" else not buy
        return {
            "id": str(next(self._ids)),
            "type": "DEAL_TYPE_BUY" if side else "DEAL_TYPE_SELL",
            "entryType": entry,
            "symbol": p["symbol"],
            "volume": p["volume"] if volume is None else float(volume),
            "price": float(price),
            "time": self._now(),
            "orderId": order_id,
            "positionId": p["id"],
            "profit": float(profit),
            "reason": reason,
            "clientId": p.get("clientId") if entry == "DEAL_ENTRY_IN" else None,
            "stopLoss": p.get("stopLoss"),
            "takeProfit": p.get("takeProfit"),
        }

    def _close(
        self, acc: FakeAccount, p: dict[str, Any], price: Decimal, reason: str, volume: Decimal | None = None
    ) -> None:
        lots = _f(p["volume"]) if volume is None else volume
        profit = self._profit(p, price, lots)
        acc.balance += profit
        acc.deals.append(self._deal(p, str(next(self._ids)), "DEAL_ENTRY_OUT", price, profit, reason, lots))
        left = _f(p["volume"]) - lots
        if left > 0:
            p["volume"] = float(left)
        else:
            del acc.positions[p["id"]]

    def move(self, symbol: str, bid: str, ask: str) -> None:
        """The market moves: pending orders that it reaches fill, then SL/TP close positions."""
        self.quotes[symbol] = (D(bid), D(ask))
        new_bid, new_ask = self.quotes[symbol]
        for acc in self.accounts.values():
            for order in list(acc.orders.values()):
                if order["symbol"] != symbol or order["state"] != "ORDER_STATE_PLACED":
                    continue
                buy = order["type"].startswith("ORDER_TYPE_BUY")
                level, market = _f(order["openPrice"]), (new_ask if buy else new_bid)
                limit = order["type"].endswith("LIMIT")
                reached = (
                    (market <= level if buy else market >= level)
                    if limit
                    else (market >= level if buy else market <= level)
                )
                if reached:
                    self._fill(acc, order, market)
            for p in list(acc.positions.values()):
                if p["symbol"] != symbol:
                    continue
                mark = self._mark(p)
                buy = p["type"] == "POSITION_TYPE_BUY"
                sl, tp = p.get("stopLoss"), p.get("takeProfit")
                if sl is not None and (mark <= _f(sl) if buy else mark >= _f(sl)):
                    self._close(acc, p, mark, "DEAL_REASON_SL")
                elif tp is not None and (mark >= _f(tp) if buy else mark <= _f(tp)):
                    self._close(acc, p, mark, "DEAL_REASON_TP")

    # ---- reads

    async def _positions(self, request: web.Request) -> web.Response:
        acc = self.account(request)
        return web.json_response(
            [
                {**p, "currentPrice": float(self._mark(p)), "profit": float(self._profit(p, self._mark(p)))}
                for p in acc.positions.values()
            ]
        )

    async def _orders(self, request: web.Request) -> web.Response:
        acc = self.account(request)
        return web.json_response([o for o in acc.orders.values() if o["state"] == "ORDER_STATE_PLACED"])

    async def _price(self, request: web.Request) -> web.Response:
        symbol = request.match_info["symbol"]
        if symbol not in self.quotes:
            return web.json_response({"id": 1, "error": "NotFoundError", "message": "no symbol"}, status=404)
        bid, ask = self.quotes[symbol]
        return web.json_response(
            {"symbol": symbol, "bid": float(bid), "ask": float(ask), "time": self._now()}
        )

    async def _info(self, request: web.Request) -> web.Response:
        acc = self.account(request)
        margin = self._margin(acc)
        equity = self._equity(acc)
        return web.json_response(
            {
                "platform": "mt5",
                "broker": "Fake Broker",
                "currency": "USD",
                "server": "Fake-Demo",
                "balance": float(acc.balance),
                "equity": float(equity),
                "margin": float(margin),
                "freeMargin": float(equity - margin),
                "leverage": LEVERAGE,
                "marginLevel": float(equity / margin * 100) if margin else None,
            }
        )

    @staticmethod
    def _window(request: web.Request) -> tuple[datetime, datetime]:
        start = datetime.fromisoformat(request.match_info["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(request.match_info["end"].replace("Z", "+00:00"))
        return start, end

    async def _deals(self, request: web.Request) -> web.Response:
        start, end = self._window(request)
        deals = [
            d
            for d in self.account(request).deals
            if start <= datetime.fromisoformat(d["time"].replace("Z", "+00:00")) < end
        ]
        return web.json_response(deals)

    async def _history_orders(self, request: web.Request) -> web.Response:
        start, end = self._window(request)
        done = [
            o
            for o in self.account(request).orders.values()
            if o["state"] != "ORDER_STATE_PLACED"
            and start <= datetime.fromisoformat(o["doneTime"].replace("Z", "+00:00")) < end
        ]
        return web.json_response(done)
