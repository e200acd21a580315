"""A loopback fake of MetaAPI's REST trading API (the endpoints MetaApiClient calls), speaking
MetaAPI's JSON: `auth-token` header (401 without it), trade requests answered with
`numericCode`/`stringCode`, positions, account information and deals with entry types. Market
orders fill at the ask (buy) or bid (sell); a move through a stop loss or take profit closes the
position with a `DEAL_REASON_SL`/`DEAL_REASON_TP` deal. `fail` makes the next calls answer 500."""

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


@dataclass
class FakeAccount:
    balance: Decimal = field(default_factory=lambda: D(10_000))
    positions: dict[str, dict[str, Any]] = field(default_factory=dict)
    deals: list[dict[str, Any]] = field(default_factory=list)


class FakeMetaApi:
    def __init__(self, token: str, clock: Clock) -> None:
        self.token, self.clock = token, clock
        self.accounts: dict[str, FakeAccount] = {}
        self.quotes: dict[str, tuple[Decimal, Decimal]] = {}
        self.fail = 0
        self._ids = itertools.count(1000)
        self.app = web.Application(middlewares=[self._guard])
        base = "/users/current/accounts/{account}"
        self.app.router.add_post(f"{base}/trade", self._trade)
        self.app.router.add_get(f"{base}/positions", self._positions)
        self.app.router.add_get(f"{base}/account-information", self._info)
        self.app.router.add_get(f"{base}/history-deals/time/{{start}}/{{end}}", self._deals)

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

    def _profit(self, p: dict[str, Any], exit_price: Decimal) -> Decimal:
        sign = 1 if p["type"] == "POSITION_TYPE_BUY" else -1
        return (
            sign * (exit_price - D(str(p["openPrice"]))) * D(str(p["volume"])) * CONTRACT[p["symbol"]]
        ).quantize(D("0.01"))

    def _mark(self, p: dict[str, Any]) -> Decimal:
        bid, ask = self.quotes[p["symbol"]]
        return bid if p["type"] == "POSITION_TYPE_BUY" else ask

    async def _trade(self, request: web.Request) -> web.Response:
        body = await request.json()
        acc = self.account(request)
        action = body["actionType"]
        if action in ("ORDER_TYPE_BUY", "ORDER_TYPE_SELL"):
            bid, ask = self.quotes[body["symbol"]]
            price = ask if action == "ORDER_TYPE_BUY" else bid
            sl, tp = body.get("stopLoss"), body.get("takeProfit")
            losing = (
                (lambda level: D(str(level)) >= price)
                if action == "ORDER_TYPE_BUY"
                else (lambda level: D(str(level)) <= price)
            )
            if sl is not None and losing(sl):
                return web.json_response(
                    {
                        "numericCode": 10016,
                        "stringCode": "TRADE_RETCODE_INVALID_STOPS",
                        "message": "Invalid stops",
                    }
                )
            volume = D(str(body["volume"]))
            if volume < MIN_LOTS[body["symbol"]] or volume > D(100):
                return web.json_response(
                    {
                        "numericCode": 10014,
                        "stringCode": "TRADE_RETCODE_INVALID_VOLUME",
                        "message": "Invalid volume",
                    }
                )
            margin = volume * CONTRACT[body["symbol"]] * price / 30
            if margin > acc.balance:
                return web.json_response(
                    {"numericCode": 10019, "stringCode": "TRADE_RETCODE_NO_MONEY", "message": "No money"}
                )
            order_id = str(next(self._ids))
            position = {
                "id": order_id,
                "type": action.replace("ORDER", "POSITION"),
                "symbol": body["symbol"],
                "volume": body["volume"],
                "openPrice": float(price),
                "time": self._now(),
                "stopLoss": sl,
                "takeProfit": tp,
                "clientId": body.get("clientId"),
            }
            acc.positions[order_id] = position
            acc.deals.append(
                self._deal(position, order_id, "DEAL_ENTRY_IN", price, D(0), "DEAL_REASON_EXPERT")
            )
            return web.json_response(
                {
                    "numericCode": 10009,
                    "stringCode": "TRADE_RETCODE_DONE",
                    "message": "Request completed",
                    "orderId": order_id,
                    "positionId": order_id,
                }
            )
        if action == "POSITION_CLOSE_ID":
            closing = acc.positions.get(str(body["positionId"]))
            if closing is None:
                return web.json_response(
                    {
                        "numericCode": 10036,
                        "stringCode": "TRADE_RETCODE_POSITION_CLOSED",
                        "message": "Position already closed",
                    }
                )
            self._close(acc, closing, self._mark(closing), "DEAL_REASON_EXPERT")
            return web.json_response(
                {
                    "numericCode": 10009,
                    "stringCode": "TRADE_RETCODE_DONE",
                    "message": "Request completed",
                    "positionId": closing["id"],
                }
            )
        return web.json_response(
            {"numericCode": 10013, "stringCode": "TRADE_RETCODE_INVALID", "message": f"unsupported {action}"}
        )

    def _deal(
        self, p: dict[str, Any], order_id: str, entry: str, price: Decimal, profit: Decimal, reason: str
    ) -> dict:
        buy = p["type"] == "POSITION_TYPE_BUY"
        side = buy if entry == "DEAL_ENTRY_IN" else not buy
        return {
            "id": str(next(self._ids)),
            "type": "DEAL_TYPE_BUY" if side else "DEAL_TYPE_SELL",
            "entryType": entry,
            "symbol": p["symbol"],
            "volume": p["volume"],
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

    def _close(self, acc: FakeAccount, p: dict[str, Any], price: Decimal, reason: str) -> None:
        profit = self._profit(p, price)
        acc.balance += profit
        del acc.positions[p["id"]]
        acc.deals.append(self._deal(p, str(next(self._ids)), "DEAL_ENTRY_OUT", price, profit, reason))

    def move(self, symbol: str, bid: str, ask: str) -> None:
        self.quotes[symbol] = (D(bid), D(ask))
        for acc in self.accounts.values():
            for p in list(acc.positions.values()):
                if p["symbol"] != symbol:
                    continue
                mark = self._mark(p)
                buy = p["type"] == "POSITION_TYPE_BUY"
                sl, tp = p.get("stopLoss"), p.get("takeProfit")
                if sl is not None and (mark <= D(str(sl)) if buy else mark >= D(str(sl))):
                    self._close(acc, p, mark, "DEAL_REASON_SL")
                elif tp is not None and (mark >= D(str(tp)) if buy else mark <= D(str(tp))):
                    self._close(acc, p, mark, "DEAL_REASON_TP")

    async def _positions(self, request: web.Request) -> web.Response:
        acc = self.account(request)
        return web.json_response(
            [
                {**p, "currentPrice": float(self._mark(p)), "profit": float(self._profit(p, self._mark(p)))}
                for p in acc.positions.values()
            ]
        )

    async def _info(self, request: web.Request) -> web.Response:
        acc = self.account(request)
        open_pnl = sum((self._profit(p, self._mark(p)) for p in acc.positions.values()), D(0))
        margin = sum(
            (
                D(str(p["volume"])) * CONTRACT[p["symbol"]] * D(str(p["openPrice"])) / 30
                for p in acc.positions.values()
            ),
            D(0),
        ).quantize(D("0.01"))
        equity = acc.balance + open_pnl
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
                "leverage": 30,
                "marginLevel": float(equity / margin * 100) if margin else None,
            }
        )

    async def _deals(self, request: web.Request) -> web.Response:
        start = datetime.fromisoformat(request.match_info["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(request.match_info["end"].replace("Z", "+00:00"))
        deals = [
            d
            for d in self.account(request).deals
            if start <= datetime.fromisoformat(d["time"].replace("Z", "+00:00")) < end
        ]
        return web.json_response(deals)
