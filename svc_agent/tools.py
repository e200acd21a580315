"""The assistant's five tools (seed 3.4): their definitions for the model, input checks, and
what each does through the platform's services, always as the user who is chatting.

A tool never raises: a bad input or a failing service becomes a tool error the model reads.
`execute_paper_trade` only proposes; the trade runs when the user confirms (confirmations.py).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from svc_agent.confirmations import ProposalBook

log = logging.getLogger(__name__)

TIMEFRAMES = ("5m", "15m", "30m", "1h", "4h", "1d")
_SYMBOL = re.compile(r"^[A-Z0-9._-]{3,20}$")
MAX_AMOUNT = Decimal("1000000000")
CHART_BARS = 100


class ToolFailure(Exception):
    """A tool could not do its job; `code` is stable (a gRPC code name, or BAD_INPUT)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Services(Protocol):
    """The platform as the tools see it, acting for the user who is chatting."""

    async def latest_signal(self, symbol: str, horizon: int) -> dict[str, Any]: ...

    async def candles(self, symbol: str, timeframe: str, limit: int) -> list[dict[str, Any]]: ...

    async def indicators(self, symbol: str, timeframe: str, points: int) -> list[dict[str, Any]]: ...

    async def paper_account(self) -> dict[str, Any]: ...

    async def open_positions(self) -> list[dict[str, Any]]: ...

    async def investment_accounts(self) -> list[dict[str, Any]]: ...

    async def place_market_order(
        self, symbol: str, side: str, amount: str, client_order_id: str
    ) -> dict[str, Any]: ...

    async def search_lessons(self, query: str, limit: int) -> list[dict[str, Any]]: ...

    async def profile(self) -> dict[str, Any]: ...


def _symbol_schema() -> dict[str, Any]:
    return {"type": "string", "description": "The instrument, e.g. EURUSD, XAUUSD, BTCUSD."}


TOOL_SPECS: list[dict[str, Any]] = [
    {
        "name": "get_ml_signal",
        "description": "The ML engine's current trade signal for a symbol: direction, entry, stop loss, "
        "take profit, R:R, probability that TP comes first, AMD phase.",
        "input_schema": {
            "type": "object",
            "properties": {
                "symbol": _symbol_schema(),
                "horizon": {"type": "integer", "description": "Bars ahead (1-500), default 18."},
            },
            "required": ["symbol"],
        },
    },
    {
        "name": "analyze_chart",
        "description": "Recent candles of a symbol with SMA, RSI, MACD, ATR, Bollinger bands "
        "and the AMD phase.",
        "input_schema": {
            "type": "object",
            "properties": {
                "symbol": _symbol_schema(),
                "timeframe": {
                    "type": "string",
                    "enum": list(TIMEFRAMES),
                    "description": "Bar size, default 1h.",
                },
            },
            "required": ["symbol"],
        },
    },
    {
        "name": "execute_paper_trade",
        "description": "Propose a market order on the user's PAPER account. Nothing is traded until the user "
        "replies to confirm it; tell them so. Never claim it was executed.",
        "input_schema": {
            "type": "object",
            "properties": {
                "symbol": _symbol_schema(),
                "side": {"type": "string", "enum": ["buy", "sell"]},
                "amount": {"type": "string", "description": "Units of the instrument, a positive decimal."},
            },
            "required": ["symbol", "side", "amount"],
        },
    },
    {
        "name": "get_portfolio_status",
        "description": "The user's paper account (balance, equity, margin, open positions) "
        "and investment accounts.",
        "input_schema": {"type": "object", "properties": {}},
    },
    {
        "name": "search_education",
        "description": "Search the platform's courses and lessons.",
        "input_schema": {
            "type": "object",
            "properties": {"query": {"type": "string", "description": "What to look for."}},
            "required": ["query"],
        },
    },
]
TOOL_NAMES = frozenset(t["name"] for t in TOOL_SPECS)


@dataclass(frozen=True)
class ToolOutcome:
    """What a tool returns to the model: a JSON object, or an error object."""

    output: dict[str, Any]
    is_error: bool = False

    def as_json(self, max_chars: int) -> str:
        text = json.dumps(self.output, separators=(",", ":"), default=str)
        if len(text) <= max_chars:
            return text
        return json.dumps({"truncated": True, "partial": text[: max_chars - 40]})


def _error(code: str, message: str) -> ToolOutcome:
    return ToolOutcome({"error": code, "message": message}, is_error=True)


def _symbol(raw: Any) -> str:
    symbol = str(raw or "").strip().upper().replace("/", "")
    if not _SYMBOL.match(symbol):
        raise ToolFailure("BAD_INPUT", f"symbol {raw!r} is not a symbol like EURUSD")
    return symbol


def _horizon(raw: Any) -> int:
    if raw is None or raw == "":
        return 18
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ToolFailure("BAD_INPUT", f"horizon {raw!r} is not a whole number of bars") from None
    if not 1 <= value <= 500:
        raise ToolFailure("BAD_INPUT", "horizon must be between 1 and 500 bars")
    return value


def _timeframe(raw: Any) -> str:
    value = str(raw or "1h").strip().lower()
    if value not in TIMEFRAMES:
        raise ToolFailure("BAD_INPUT", f"timeframe must be one of {', '.join(TIMEFRAMES)}")
    return value


def _amount(raw: Any) -> str:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ToolFailure("BAD_INPUT", f"amount {raw!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise ToolFailure("BAD_INPUT", "amount must be a positive number of units")
    if value >= MAX_AMOUNT or -value.as_tuple().exponent > 10:  # type: ignore[operator]
        raise ToolFailure("BAD_INPUT", "amount is too large or has more than 10 decimals")
    return format(value.normalize(), "f")


def _side(raw: Any) -> str:
    value = str(raw or "").strip().lower()
    if value not in ("buy", "sell"):
        raise ToolFailure("BAD_INPUT", "side must be buy or sell")
    return value


def _query(raw: Any) -> str:
    value = " ".join(str(raw or "").split())
    if not 2 <= len(value) <= 200:
        raise ToolFailure("BAD_INPUT", "query must be 2 to 200 characters")
    return value


class Toolbox:
    """Runs the tools for one user's conversation."""

    def __init__(self, services: Services, proposals: ProposalBook) -> None:
        self._services = services
        self._proposals = proposals

    async def run(self, name: str, raw: dict[str, Any], *, user_id: str, conversation_id: str) -> ToolOutcome:
        if name not in TOOL_NAMES:
            return _error("UNKNOWN_TOOL", f"there is no tool {name!r}")
        if "_unparsed" in raw:
            return _error("BAD_INPUT", "the tool input was not a JSON object")
        try:
            if name == "get_ml_signal":
                return await self._signal(raw)
            if name == "analyze_chart":
                return await self._chart(raw)
            if name == "execute_paper_trade":
                return await self._propose_trade(raw, user_id, conversation_id)
            if name == "get_portfolio_status":
                return await self._portfolio()
            return await self._lessons(raw)
        except ToolFailure as failure:
            return _error(failure.code, failure.message)
        except Exception:
            log.exception("tool crashed", extra={"fields": {"tool": name}})
            return _error("INTERNAL", "the tool failed unexpectedly")

    async def _signal(self, raw: dict[str, Any]) -> ToolOutcome:
        signal = await self._services.latest_signal(_symbol(raw.get("symbol")), _horizon(raw.get("horizon")))
        return ToolOutcome({"signal": signal, "note": "a model estimate, not financial advice"})

    async def _chart(self, raw: dict[str, Any]) -> ToolOutcome:
        symbol, timeframe = _symbol(raw.get("symbol")), _timeframe(raw.get("timeframe"))
        candles = await self._services.candles(symbol, timeframe, CHART_BARS)
        points = await self._services.indicators(symbol, timeframe, 1)
        if not candles:
            raise ToolFailure("NOT_FOUND", f"no {timeframe} bars for {symbol}")
        return ToolOutcome(chart_summary(symbol, timeframe, candles, points[-1] if points else {}))

    async def _propose_trade(self, raw: dict[str, Any], user_id: str, conversation_id: str) -> ToolOutcome:
        symbol, side, amount = _symbol(raw.get("symbol")), _side(raw.get("side")), _amount(raw.get("amount"))
        proposal = await self._proposals.propose(user_id, conversation_id, symbol, side, amount)
        return ToolOutcome(
            {
                "status": "awaiting_confirmation",
                "proposal": proposal.as_dict(),
                "instructions": "Nothing was traded. The order is placed on the user's paper account only if "
                "the user replies 'confirm' in this conversation.",
            }
        )

    async def _portfolio(self) -> ToolOutcome:
        out: dict[str, Any] = {
            "paper_account": await self._services.paper_account(),
            "open_positions": await self._services.open_positions(),
        }
        try:
            out["investment_accounts"] = await self._services.investment_accounts()
        except ToolFailure as failure:
            out["investment_accounts_error"] = f"{failure.code}: {failure.message}"
        return ToolOutcome(out)

    async def _lessons(self, raw: dict[str, Any]) -> ToolOutcome:
        return ToolOutcome({"results": await self._services.search_lessons(_query(raw.get("query")), 5)})

    async def execute_proposal(self, proposal_id: str, symbol: str, side: str, amount: str) -> ToolOutcome:
        """Place a confirmed proposal; the proposal id is the order's idempotency key."""
        try:
            order = await self._services.place_market_order(symbol, side, amount, client_order_id=proposal_id)
        except ToolFailure as failure:
            return _error(failure.code, failure.message)
        return ToolOutcome({"status": "executed", "order": order})


def chart_summary(
    symbol: str, timeframe: str, candles: list[dict[str, Any]], point: dict[str, Any]
) -> dict[str, Any]:
    """The numbers a reader of the chart wants: last bar, change, trend, indicators, AMD phase."""
    first, last = float(candles[0].get("close", 0)), float(candles[-1].get("close", 0))
    sma_20, sma_50 = point.get("sma_20"), point.get("sma_50")
    trend = "n/a"
    if sma_20 is not None and sma_50 is not None:
        trend = "up" if sma_20 > sma_50 else "down" if sma_20 < sma_50 else "flat"
    keep = (
        "close",
        "sma_20",
        "sma_50",
        "rsi_14",
        "macd",
        "macd_signal",
        "macd_hist",
        "atr_14",
        "bb_upper",
        "bb_lower",
    )
    return {
        "symbol": symbol,
        "timeframe": timeframe,
        "bars": len(candles),
        "high": max(float(c.get("high", 0)) for c in candles),
        "low": min(float(c.get("low", 0)) for c in candles),
        "change_percent": round((last - first) / first * 100, 3) if first else None,
        "trend": trend,
        "last": {k: point[k] for k in keep if k in point} | {"time": candles[-1].get("time"), "close": last},
        "amd_phase": point.get("amd_phase", "AMD_PHASE_UNSPECIFIED"),
        "recent_closes": [c.get("close") for c in candles[-10:]],
    }
