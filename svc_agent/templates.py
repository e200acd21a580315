"""Template answers for when no language model answers: an intent parser for the common asks
(signal, chart, portfolio, lesson search, paper trade) and a Markdown rendering of tool results.

It understands English and Spanish, as the platform's users write both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

DISCLAIMER = "Signals are model estimates for education and practice, not financial advice."
NOTICE = "_Template mode: the language model is not available, so this is a fixed-form answer._"

_CURRENCIES = [
    "EUR",
    "USD",
    "GBP",
    "JPY",
    "CHF",
    "AUD",
    "NZD",
    "CAD",
    "SEK",
    "NOK",
    "MXN",
    "XAU",
    "XAG",
    "BTC",
    "ETH",
    "SOL",
    "XRP",
    "LTC",
    "ADA",
    "DOGE",
]
_PAIR = re.compile(r"\b(" + "|".join(_CURRENCIES) + r")\s*[/-]?\s*(" + "|".join(_CURRENCIES) + r")\b")
_TICKER = re.compile(r"(?<![\w.])([A-Z][A-Z0-9]{2,9})(?![\w.])")
_NOT_TICKERS = set(
    [
        "AMD",
        "RSI",
        "MACD",
        "SMA",
        "EMA",
        "ATR",
        "OK",
        "USD",
        "ML",
        "TP",
        "SL",
        "API",
        "LONG",
        "SHORT",
        "SIGNAL",
        "CHART",
        "BUY",
        "SELL",
        "NOW",
        "HELP",
        "THE",
        "AND",
        "FOR",
        "YES",
        "NO",
    ]
)
_TIMEFRAME = re.compile(r"\b(1m|5m|15m|30m|1h|4h|1d)\b", re.IGNORECASE)
_HORIZON = re.compile(r"\b(?:horizon|horizonte)\s*(\d{1,3})\b", re.IGNORECASE)
_AMOUNT = re.compile(r"(?<![\w.])(\d{1,12}(?:[.,]\d{1,10})?)(?![\w.])")

_BUY = re.compile(r"\b(buy|compra|comprar|compro|long)\b", re.IGNORECASE)
_SELL = re.compile(r"\b(sell|vende|vender|vendo|short)\b", re.IGNORECASE)
_SIGNAL = re.compile(r"\b(signal|signals|se[ñn]al(es)?|predic\w*|forecast|pron[óo]stico)\b", re.IGNORECASE)
_CHART = re.compile(
    r"\b(chart|gr[áa]fic[oa]|analy[sz]\w*|anali[sz]\w*|indicator\w*|indicador\w*|amd|rsi|macd|trend|tendencia)\b",
    re.IGNORECASE,
)
_PORTFOLIO = re.compile(
    r"\b(portfolio|portafolio|cartera|balance|saldo|account|cuenta|positions?|posici[óo]n(es)?|equity)\b",
    re.IGNORECASE,
)
_LESSON = re.compile(
    r"\b(learn|lesson\w*|course\w*|teach|explain|aprender|aprendo|lecci[óo]n\w*|curso\w*|ens[ée][ñn]a\w*|"
    r"explica\w*|what is|qu[ée] es)\b",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"\b(please|por favor|can you|puedes|find|search|busca\w*|me|a|an|the|el|la|los|las|un|una|about|sobre|"
    r"de|del|on|for|para|i|want|quiero|to|lesson\w*|lecci[óo]n\w*|course\w*|curso\w*|learn|aprender|teach|"
    r"ens[ée][ñn]a\w*|explain|explica\w*|what|is|qu[ée]|es)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Intent:
    """A tool the message asks for, with its input."""

    tool: str
    input: dict[str, Any]


def find_symbol(text: str) -> str | None:
    """EURUSD from "eur/usd", "EURUSD" or "EUR-USD"; else an upper-case ticker written as such."""
    if m := _PAIR.search(text.upper()):
        return m.group(1) + m.group(2)
    for m in _TICKER.finditer(text):
        if m.group(1) not in _NOT_TICKERS:
            return m.group(1)
    return None


def parse_intent(text: str) -> Intent | None:
    """The tool a message asks for, or None when it asks for none of the five."""
    symbol = find_symbol(text)
    side = "buy" if _BUY.search(text) else "sell" if _SELL.search(text) else None
    amount = _AMOUNT.search(_PAIR.sub(" ", text.upper()))
    if side and symbol and amount:
        return Intent(
            "execute_paper_trade",
            {"symbol": symbol, "side": side, "amount": amount.group(1).replace(",", ".")},
        )
    if symbol and _SIGNAL.search(text):
        horizon = _HORIZON.search(text)
        return Intent(
            "get_ml_signal", {"symbol": symbol, "horizon": int(horizon.group(1)) if horizon else 18}
        )
    if symbol and _CHART.search(text):
        tf = _TIMEFRAME.search(text)
        return Intent("analyze_chart", {"symbol": symbol, "timeframe": tf.group(1).lower() if tf else "1h"})
    if _PORTFOLIO.search(text):
        return Intent("get_portfolio_status", {})
    if _LESSON.search(text):
        query = " ".join(_FILLER.sub(" ", re.sub(r"[?¿!¡.,]", " ", text)).split()) or text.strip()
        return Intent("search_education", {"query": query[:200]})
    if symbol:
        return Intent("get_ml_signal", {"symbol": symbol, "horizon": 18})
    return None


HELP = (
    'I can give you the model\'s **signal** for a symbol ("signal EURUSD"), **analyze a chart** '
    '("analyze BTCUSD 4h"), show your **portfolio**, **search the lessons** ("lesson on stop loss") '
    'or prepare a **paper trade** ("buy 1000 EURUSD"), which runs only after you confirm.'
)


def render_result(tool: str, output: dict[str, Any], is_error: bool) -> str:
    """A tool's output as a short Markdown answer."""
    if is_error:
        return f"The `{tool}` tool failed: {output.get('message') or output.get('error') or 'unknown error'}."
    renderer = _RENDERERS.get(tool)
    return renderer(output) if renderer else f"`{tool}` answered: {output}"


def _num(value: Any, digits: int = 5) -> str:
    try:
        return f"{float(value):.{digits}g}"
    except (TypeError, ValueError):
        return "n/a"


def _signal(out: dict[str, Any]) -> str:
    s = out.get("signal", {})
    direction = str(s.get("signal", "SIGNAL_DIRECTION_NONE")).removeprefix("SIGNAL_DIRECTION_")
    phase = str(s.get("amd_phase", "")).removeprefix("AMD_PHASE_").lower() or "unknown"
    head = f"**{s.get('symbol', '?')}** signal, horizon {s.get('horizon', '?')} bars: **{direction}**"
    if direction == "NONE":
        body = f"no trade now ({s.get('reason', 'no rule fired')}). AMD phase: {phase}."
    else:
        prob = float(s.get("prob_tp_first", 0) or 0) * 100
        body = (
            f"entry {_num(s.get('entry'))}, stop loss {_num(s.get('sl'))}, take profit {_num(s.get('tp'))}, "
            f"R:R {_num(s.get('rr_ratio'), 3)}, probability TP first {prob:.0f}%. AMD phase: {phase}."
        )
    return f"{head}: {body}\n\n{DISCLAIMER}"


def _chart(out: dict[str, Any]) -> str:
    last = out.get("last", {})
    phase = str(out.get("amd_phase", "")).removeprefix("AMD_PHASE_").lower() or "unknown"
    return (
        f"**{out.get('symbol')} {out.get('timeframe')}**: last close {_num(last.get('close'))} "
        f"({out.get('change_percent', 'n/a')}% over {out.get('bars', 0)} bars), "
        f"trend {out.get('trend', 'n/a')}, "
        f"RSI(14) {_num(last.get('rsi_14'), 3)}, MACD histogram {_num(last.get('macd_hist'), 3)}, "
        f"ATR(14) {_num(last.get('atr_14'), 3)}. AMD phase: {phase}.\n\n{DISCLAIMER}"
    )


def _trade(out: dict[str, Any]) -> str:
    if out.get("status") == "awaiting_confirmation":
        p = out.get("proposal", {})
        return (
            f"I prepared a paper trade: "
            f"**{str(p.get('side', '')).upper()} {p.get('amount')} {p.get('symbol')}** "
            "at market on your paper account. Reply **confirm** to place it, or **cancel**."
        )
    order = out.get("order", {})
    status = str(order.get("status", "")).removeprefix("ORDER_STATUS_").lower()
    return (
        f"Paper order placed: {str(order.get('side', '')).removeprefix('ORDER_SIDE_').lower()} "
        f"{order.get('amount', order.get('quantity', ''))} {order.get('symbol', '')}, status {status}"
        f"{', filled at ' + str(order['fill_price']) if order.get('fill_price') else ''}."
    )


def _money(m: Any) -> str:
    if not isinstance(m, dict):
        return "n/a"
    return f"{int(m.get('minor_units', 0)) / 100:,.2f} {m.get('currency', '')}"


def _portfolio(out: dict[str, Any]) -> str:
    acct = out.get("paper_account", {})
    lines = [
        f"Paper account: balance {_money(acct.get('balance'))}, equity {_money(acct.get('equity'))}, "
        f"free margin {_money(acct.get('free_margin'))}; "
        f"{len(out.get('open_positions', []))} open position(s)."
    ]
    if "investment_accounts_error" in out:
        lines.append(f"Investment accounts: not available ({out['investment_accounts_error']}).")
        return " ".join(lines)
    accounts = out.get("investment_accounts", [])
    if not accounts:
        lines.append("No investment accounts.")
        return " ".join(lines)
    items = "\n".join(
        f"- {a.get('product_name', a.get('product_id', ''))} ({a.get('status', 'unknown')}): "
        f"balance {_money(a.get('balance'))}, equity {_money(a.get('equity'))}"
        for a in accounts
        if isinstance(a, dict)
    )
    return " ".join(lines) + f"\n\nInvestment accounts:\n{items}"


def _lessons(out: dict[str, Any]) -> str:
    hits = out.get("results", [])
    if not hits:
        return "I found no lesson on that."
    items = "\n".join(
        f"- {h.get('lesson_title', '')} ({h.get('course_title', '')})"
        for h in hits[:5]
        if isinstance(h, dict)
    )
    return f"Lessons that match:\n{items}"


_RENDERERS = {
    "get_ml_signal": _signal,
    "analyze_chart": _chart,
    "execute_paper_trade": _trade,
    "get_portfolio_status": _portfolio,
    "search_education": _lessons,
}
