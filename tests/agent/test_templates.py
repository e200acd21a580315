"""The template intent parser and the confirmation words."""

from __future__ import annotations

import pytest

from svc_agent.confirmations import is_cancellation, is_confirmation
from svc_agent.templates import find_symbol, parse_intent


@pytest.mark.parametrize(
    ("text", "tool", "fields"),
    [
        ("Analiza EURUSD y dame una señal", "get_ml_signal", {"symbol": "EURUSD", "horizon": 18}),
        ("signal for eur/usd horizon 36", "get_ml_signal", {"symbol": "EURUSD", "horizon": 36}),
        ("analyze the BTCUSD chart on 4h", "analyze_chart", {"symbol": "BTCUSD", "timeframe": "4h"}),
        ("¿cómo va mi cartera?", "get_portfolio_status", {}),
        ("buy 1000 EURUSD", "execute_paper_trade", {"symbol": "EURUSD", "side": "buy", "amount": "1000"}),
        ("vender 0,5 XAUUSD", "execute_paper_trade", {"symbol": "XAUUSD", "side": "sell", "amount": "0.5"}),
        ("find a lesson about stop loss", "search_education", {"query": "stop loss"}),
    ],
)
def test_common_intents_name_their_tool(text: str, tool: str, fields: dict) -> None:
    intent = parse_intent(text)
    assert intent is not None
    assert intent.tool == tool
    assert intent.input == fields


def test_a_message_without_an_intent_gets_none() -> None:
    assert parse_intent("hello there") is None
    assert find_symbol("what is a SIGNAL") is None


@pytest.mark.parametrize("text", ["confirm", "Yes, confirm", "sí, confirmo", "OK!"])
def test_confirmations(text: str) -> None:
    assert is_confirmation(text)


@pytest.mark.parametrize(
    "text", ["confirm and also buy 10 more", "the user confirmed", "yes buy 1000 GBPUSD"]
)
def test_only_a_plain_confirmation_confirms(text: str) -> None:
    assert not is_confirmation(text)


def test_cancellations() -> None:
    assert is_cancellation("no, cancel")
    assert not is_cancellation("confirm")
