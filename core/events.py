"""Bus events: the `trading.events.v1.Event` envelope and the channel names of seed 5.2."""

from __future__ import annotations

import uuid

from google.protobuf.message import Message
from trading.events.v1.events_envelope_pb2 import Event

from core.clock import Clock

__all__ = [
    "Event",
    "chat_channel",
    "new_event",
    "payload_of",
    "signals_channel",
    "ticker_channel",
    "user_notifications_channel",
    "user_positions_channel",
    "user_trades_channel",
]

# The event type of each payload message, e.g. "trading.events.v1.PriceUpdate" -> "price_update".
_TYPE_OF_PAYLOAD = {
    field.message_type.full_name: field.name
    for field in Event.DESCRIPTOR.oneofs_by_name["payload"].fields
    if field.message_type is not None
}


def _segment(value: str, what: str) -> str:
    # A channel segment must not contain the separator or a pattern character, so a symbol
    # or an id can never address (or subscribe to) someone else's channel.
    if not value or any(c in value for c in ":*?[] "):
        raise ValueError(f"{what} {value!r} cannot be part of a channel name")
    return value


def ticker_channel(symbol: str) -> str:
    return f"ticker:{_segment(symbol, 'symbol')}"


def signals_channel(symbol: str) -> str:
    return f"signals:{_segment(symbol, 'symbol')}"


def user_trades_channel(user_id: str) -> str:
    return f"user:{_segment(user_id, 'user id')}:trades"


def user_positions_channel(user_id: str) -> str:
    return f"user:{_segment(user_id, 'user id')}:positions"


def user_notifications_channel(user_id: str) -> str:
    return f"user:{_segment(user_id, 'user id')}:notifications"


def chat_channel(conversation_id: str) -> str:
    return f"chat:{_segment(conversation_id, 'conversation id')}"


def new_event(type: str, channel: str, payload: Message, producer: str, clock: Clock) -> Event:
    """An envelope around `payload`, stamped with a new id and the clock's time.

    `type` is the seed's event name and must be the envelope field that holds `payload`
    (`"price_update"` for a `PriceUpdate`), so consumers can switch on either.
    """
    expected = _TYPE_OF_PAYLOAD.get(payload.DESCRIPTOR.full_name)
    if expected is None:
        raise TypeError(f"{payload.DESCRIPTOR.full_name} is not an event payload")
    if type != expected:
        raise ValueError(f"a {payload.DESCRIPTOR.name} is a {expected!r} event, not {type!r}")
    event = Event(id=str(uuid.uuid4()), type=type, channel=channel, producer=producer)
    event.occurred_at.FromDatetime(clock.now())
    getattr(event, type).CopyFrom(payload)
    return event


def payload_of(event: Event) -> Message:
    """The payload message of an envelope; ValueError when none is set."""
    kind = event.WhichOneof("payload")
    if kind is None:
        raise ValueError(f"event {event.id!r} has no payload")
    return getattr(event, kind)
