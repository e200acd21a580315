"""Conversions between Python values and the well-known protobuf types, shared by servicers."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp


def timestamp(when: datetime) -> Timestamp:
    """A tz-aware datetime as a Timestamp (any offset; Timestamp is UTC)."""
    out = Timestamp()
    out.FromDatetime(when)
    return out


def optional_timestamp(when: datetime | None) -> Timestamp | None:
    """As `timestamp`, with None for an unset time."""
    return None if when is None else timestamp(when)
