"""Input validation from the contracts' buf.validate rules (protovalidate)."""

from __future__ import annotations

import protovalidate
from google.protobuf.message import Message

from core.errors import InvalidArgument

_validator = protovalidate.Validator()


def _field_path(violation) -> str:
    proto = violation.proto
    parts = []
    for element in proto.field.elements:
        name = element.field_name
        if element.HasField("index"):
            name += f"[{element.index}]"
        elif element.HasField("string_key"):
            name += f"[{element.string_key!r}]"
        parts.append(name)
    return ".".join(parts) or proto.rule_id


def validate(message: Message) -> None:
    """Raise InvalidArgument with one field violation per broken rule."""
    try:
        _validator.validate(message)
    except protovalidate.ValidationError as err:
        violations = [(_field_path(v), v.proto.message or v.proto.rule_id) for v in err.violations]
        summary = "; ".join(f"{f}: {d}" for f, d in violations)
        raise InvalidArgument(
            f"invalid request: {summary}", violations=violations, reason="VALIDATION_FAILED"
        ) from None
