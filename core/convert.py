"""Conversions between Python values and the well-known protobuf types, shared by servicers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from core.errors import InvalidArgument


def timestamp(when: datetime) -> Timestamp:
    """A tz-aware datetime as a Timestamp (any offset; Timestamp is UTC)."""
    out = Timestamp()
    out.FromDatetime(when)
    return out


def optional_timestamp(when: datetime | None) -> Timestamp | None:
    """As `timestamp`, with None for an unset time."""
    return None if when is None else timestamp(when)


@contextmanager
def contract_fields(names: Mapping[str, str]) -> Iterator[None]:
    """Field violations raised inside, renamed from the domain's names to the contract's
    (`{"unit": "amount_unit"}`); names not listed are the same on both sides."""
    try:
        yield
    except InvalidArgument as err:
        err.violations = [(names.get(field, field), text) for field, text in err.violations]
        raise
