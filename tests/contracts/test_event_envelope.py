"""The event envelope carries one payload per seed 5.2 event, on the seed's channels."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from trading.common.v1.money_pb2 import Money
from trading.events.v1 import events_payloads_pb2 as ev

from core.clock import TestClock
from core.events import (
    Event,
    chat_channel,
    new_event,
    payload_of,
    signals_channel,
    ticker_channel,
    user_notifications_channel,
    user_positions_channel,
    user_trades_channel,
)

# Seed 5.2: event name -> channel of the example subject.
SEED_5_2 = {
    "price_update": "ticker:EURUSD",
    "ml_signal_new": "signals:EURUSD",
    "trade_executed": "user:u1:trades",
    "position_closed": "user:u1:positions",
    "subscription_activated": "user:u1:notifications",
    "llm_response_chunk": "chat:c1",
}
BEYOND_SEED = {"investor_mode_changed": "user:u1:notifications"}  # the investor-mode notice (seed 9.1)


def test_the_envelope_has_one_payload_per_seed_event_and_no_other() -> None:
    payloads = {f.name for f in Event.DESCRIPTOR.oneofs_by_name["payload"].fields}
    assert payloads == set(SEED_5_2) | set(BEYOND_SEED)


def test_channel_helpers_give_the_seed_channel_names() -> None:
    assert [
        ticker_channel("EURUSD"),
        signals_channel("EURUSD"),
        user_trades_channel("u1"),
        user_positions_channel("u1"),
        user_notifications_channel("u1"),
        chat_channel("c1"),
    ] == list(SEED_5_2.values())


@pytest.mark.parametrize("bad", ["", "EUR:USD", "*", "u1:trades", "a b", "[x]"])
def test_channel_helpers_refuse_names_that_could_reach_another_channel(bad: str) -> None:
    with pytest.raises(ValueError, match="channel"):
        user_trades_channel(bad)


def test_new_event_stamps_id_time_and_producer_and_survives_the_wire() -> None:
    clock = TestClock(datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC))
    pnl = Money(currency="USD", minor_units=-1250)
    payload = ev.PositionClosed(position_id="p1", user_id="u1", symbol="EURUSD", pnl=pnl)

    event = new_event("position_closed", user_positions_channel("u1"), payload, "broker", clock)
    received = Event.FromString(event.SerializeToString())

    assert received.type == "position_closed" == received.WhichOneof("payload")
    assert received.channel == "user:u1:positions"
    assert received.producer == "broker"
    assert received.occurred_at.ToDatetime(tzinfo=UTC) == clock.now()
    assert payload_of(received) == payload
    assert received.id
    assert received.id != new_event("position_closed", "c", payload, "broker", clock).id


def test_new_event_refuses_a_type_that_is_not_its_payloads() -> None:
    with pytest.raises(ValueError, match="price_update"):
        new_event("ml_signal_new", "ticker:EURUSD", ev.PriceUpdate(symbol="EURUSD"), "market", TestClock())


def test_new_event_refuses_a_message_that_is_not_a_payload() -> None:
    with pytest.raises(TypeError):
        new_event("price_update", "ticker:EURUSD", Money(), "market", TestClock())


def test_payload_of_an_empty_envelope_is_an_error() -> None:
    with pytest.raises(ValueError, match="no payload"):
        payload_of(Event(id="e1"))
