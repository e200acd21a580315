"""The compiled validator and protovalidate agree on every request message type of the contracts.

For each RPC input type whose rules (its own or nested) are compiled, messages are generated at the
rules' boundaries: every field gets candidate values (empty and zero values, each length and
numeric bound +-1, strings built from each pattern and mutated around it, plain samples, enum
zero/defined/unknown numbers, repeated counts at the bounds, duplicates, nested messages unset,
empty, valid and invalid), combined column-wise (message k takes candidate k of every field) and
in a few seeded random mixes. Both validators must report the same violations: same field paths,
same descriptions, same order.
"""

from __future__ import annotations

import importlib
import random
import re
from collections.abc import Iterator
from typing import Any

import pytest
from buf.validate import validate_pb2
from google.protobuf import descriptor, text_format
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from google.protobuf.timestamp_pb2 import Timestamp

from core import validation
from core.access import load_contracts

FD = descriptor.FieldDescriptor
UUID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
# protovalidate takes about a millisecond a rule: longer lists are left to the unit tests.
MAX_SCALAR_LIST = 120
MAX_MESSAGE_LIST = 12
RANDOM_MIXES = 4

PLAIN_STRINGS = [
    "",
    "a",
    "EURUSD",
    "eurusd",
    "1.5",
    "-1",
    "1000",
    "a" * 300,
    UUID,
    UUID.upper(),
    UUID.replace("-", ""),
    UUID + "\n",
    "ana@example.com",
    "ana@example.com\n",
    "a@b",
    "a@-b.com",
    "@example.com",
    "EURUSD\n",
    " ",
    "ñandú",
    "Forex Basics",
    "forex-basics",
    "evt_1NG8Du2eZvKYlo2C",
    "checkout.session.completed",
    "USD",
]


def request_types() -> list[descriptor.Descriptor]:
    """The input types of every RPC of the contracts, once each."""
    seen: dict[str, descriptor.Descriptor] = {}
    for name in load_contracts():
        module = importlib.import_module(name)
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                seen.setdefault(method.input_type.full_name, method.input_type)
    return [seen[name] for name in sorted(seen)]


def has_rules(desc: descriptor.Descriptor, seen: set[str] | None = None) -> bool:
    seen = set() if seen is None else seen
    if desc.full_name in seen:
        return False
    seen.add(desc.full_name)
    for field in desc.fields:
        if field.GetOptions().HasExtension(validate_pb2.field):
            return True
        if field.message_type is not None:
            target = field.message_type
            if target.GetOptions().map_entry:
                target = target.fields_by_name["value"].message_type
            if target is not None and has_rules(target, seen):
                return True
    return desc.GetOptions().HasExtension(validate_pb2.message)


def rules_of(field: FD) -> validate_pb2.FieldRules:
    if field.GetOptions().HasExtension(validate_pb2.field):
        return field.GetOptions().Extensions[validate_pb2.field]
    return validate_pb2.FieldRules()


# ---------------------------------------------------------------------------------------------
# Strings from a pattern


def pattern_samples(pattern: str) -> list[str]:
    """Strings the pattern matches (minimal, one more repetition, the largest) and near misses."""
    translated = validation._python_regex(pattern)
    if translated is None:
        return []
    tree = re._parser.parse(translated)  # type: ignore[attr-defined]
    samples = {_generate(tree, mode) for mode in ("min", "more", "max")}
    out = set(samples)
    for s in samples:
        out |= {s + "\n", "!" + s, s + "!", s.upper(), s[:-1], s + s[-1:], s.replace("-", "")}
        out |= {s + "-", "-" + s, s.replace(".", ""), s + ".", s.replace("a", "ä")}
    return sorted(out)


def _generate(tree: Any, mode: str) -> str:
    from re import _constants as c  # type: ignore[attr-defined]

    out = []
    for op, arg in tree:
        if op is c.LITERAL:
            out.append(chr(arg))
        elif op is c.NOT_LITERAL:
            out.append("a" if chr(arg) != "a" else "b")
        elif op is c.ANY:
            out.append("a")
        elif op is c.IN:
            out.append(_class_char(arg, mode))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            low, high, sub = arg
            if mode == "min":
                count = low
            elif mode == "more":
                count = low + 1 if high == c.MAXREPEAT else min(low + 1, high)
            else:
                count = low + 3 if high == c.MAXREPEAT else min(high, 64)
            out.extend(_generate(sub, mode) for _ in range(count))
        elif op is c.SUBPATTERN:
            out.append(_generate(arg[-1], mode))
        elif op is c.BRANCH:
            branches = arg[1]
            out.append(_generate(branches[0] if mode == "min" else branches[-1], mode))
        elif op is c.AT:
            pass
        else:
            raise AssertionError(f"unexpected regex node {op}")
    return "".join(out)


def _class_char(items: Any, mode: str) -> str:
    from re import _constants as c  # type: ignore[attr-defined]

    if items and items[0][0] is c.NEGATE:
        excluded = re.compile("[" + "".join(_class_text(items[1:])) + "]")
        return next(ch for ch in "a0!~Z_" if not excluded.match(ch))
    op, arg = items[0] if mode != "max" else items[-1]
    if op is c.LITERAL:
        return chr(arg)
    if op is c.RANGE:
        return chr(arg[0] if mode == "min" else arg[1])
    if op is c.CATEGORY:
        return "0"
    raise AssertionError(f"unexpected class node {op}")


def _class_text(items: Any) -> list[str]:
    from re import _constants as c  # type: ignore[attr-defined]

    parts = []
    for op, arg in items:
        if op is c.LITERAL:
            parts.append(re.escape(chr(arg)))
        elif op is c.RANGE:
            parts.append(f"{re.escape(chr(arg[0]))}-{re.escape(chr(arg[1]))}")
        elif op is c.CATEGORY:
            parts.append("0-9")
    return parts


# ---------------------------------------------------------------------------------------------
# Candidate values per field

INT_RANGES = {
    FD.TYPE_INT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FD.TYPE_INT64: (-(2**63), 2**63 - 1),
    FD.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FD.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FD.TYPE_UINT32: (0, 2**32 - 1),
    FD.TYPE_FIXED32: (0, 2**32 - 1),
    FD.TYPE_UINT64: (0, 2**64 - 1),
    FD.TYPE_FIXED64: (0, 2**64 - 1),
}


def _around(n: int) -> list[int]:
    return [n - 1, n, n + 1]


def _typed(rules: validate_pb2.FieldRules, case: str) -> Any:
    return getattr(rules, case) if rules.WhichOneof("type") == case else None


def scalar_candidates(field: FD, rules: validate_pb2.FieldRules) -> list[Any]:
    """Candidate values of one (non-repeated) scalar, or items of a repeated scalar."""
    if field.type == FD.TYPE_STRING:
        out = list(PLAIN_STRINGS)
        typed = _typed(rules, "string")
        if typed is not None:
            for bound in ("len", "min_len", "max_len"):
                if typed.HasField(bound):
                    for n in _around(getattr(typed, bound)):
                        if n >= 0:
                            out += ["a" * n, "é" * n]
            if typed.HasField("pattern"):
                out += pattern_samples(typed.pattern)
            for listed in (getattr(typed, "in"), typed.not_in):
                out += list(listed) + [v + "x" for v in listed] + [v.upper() for v in listed]
            if typed.HasField("const"):
                out += [typed.const, typed.const + "x"]
        return list(dict.fromkeys(out))
    if field.type == FD.TYPE_BYTES:
        out_b = [b"", b"{}", b"a", b"\xff\xfe"]
        typed = _typed(rules, "bytes")
        if typed is not None:
            for bound in ("len", "min_len", "max_len"):
                if typed.HasField(bound):
                    out_b += [b"a" * n for n in _around(getattr(typed, bound)) if n >= 0]
        return list(dict.fromkeys(out_b))
    if field.type in INT_RANGES:
        low, high = INT_RANGES[field.type]
        out_i = [0, 1, -1, 2, 100, low, high]
        case = rules.WhichOneof("type")
        typed = getattr(rules, case) if case else None
        if typed is not None and hasattr(typed, "lt"):
            for bound in ("lt", "lte", "gt", "gte", "const"):
                if typed.HasField(bound):
                    out_i += _around(getattr(typed, bound))
            out_i += list(getattr(typed, "in")) + list(typed.not_in)
        return [v for v in dict.fromkeys(out_i) if low <= v <= high]
    if field.type == FD.TYPE_ENUM:
        numbers = sorted(field.enum_type.values_by_number)
        out_e = [0, *numbers, numbers[-1] + 1, 99, -1]
        typed = _typed(rules, "enum")
        if typed is not None:
            out_e += list(getattr(typed, "in")) + list(typed.not_in)
        return list(dict.fromkeys(out_e))
    if field.type == FD.TYPE_BOOL:
        return [False, True]
    if field.type in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
        return [0.0, 1.5, -1.0]
    raise AssertionError(f"no candidates for {field.full_name}")


def duration_candidates(rules: validate_pb2.FieldRules) -> list[Duration | None]:
    out: list[Duration | None] = [None, Duration(), Duration(seconds=-1), Duration(seconds=1)]
    typed = _typed(rules, "duration")
    if typed is not None:
        for bound in ("lt", "lte", "gt", "gte"):
            if typed.HasField(bound):
                b = getattr(typed, bound)
                for s in _around(b.seconds):
                    out.append(Duration(seconds=s, nanos=b.nanos))
                out.append(Duration(seconds=b.seconds, nanos=b.nanos + 1))  # below CEL's precision
                out.append(Duration(seconds=b.seconds, nanos=b.nanos + 1000))
                out.append(Duration(seconds=b.seconds - 1, nanos=999_999_999))
    return out


class Generator:
    """Candidate messages of one type, built from its descriptor and rules."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self._baselines: dict[str, Message] = {}

    def field_candidates(self, field: FD, depth: int) -> list[Any]:
        """Candidate values of a field (None: unset)."""
        rules = rules_of(field)
        repeated = validation.pv_rules._is_repeated(field)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            key_field = field.message_type.fields_by_name["key"]
            key = "k" if key_field.type == FD.TYPE_STRING else 1
            if value_field.message_type is not None:
                values = self.message_candidates(value_field.message_type, depth + 1)
            else:
                values = scalar_candidates(value_field, validate_pb2.FieldRules())[:3]
            return [{}] + [{key: v} for v in values if v is not None]
        if repeated:
            if field.message_type is not None:
                desc = field.message_type
                items = [m for m in self.message_candidates(desc, depth + 1) if m is not None]
                good = self.baseline(desc, depth + 1)
                longest = MAX_MESSAGE_LIST
            else:
                items = scalar_candidates(field, rules.repeated.items)
                good = next((i for i in items if self.good_item(field, i)), items[0])
                longest = MAX_SCALAR_LIST
            return self.list_candidates(items, good, rules.repeated, longest)
        if field.message_type is not None:
            if field.message_type.full_name == "google.protobuf.Duration":
                return duration_candidates(rules)
            if field.message_type.full_name == "google.protobuf.Timestamp":
                return [None, Timestamp(), Timestamp(seconds=1_700_000_000)]
            return self.message_candidates(field.message_type, depth + 1)
        values = scalar_candidates(field, rules)
        if field.has_presence:
            return [None, *values]
        return values

    def good_item(self, field: FD, item: Any) -> bool:
        probe = build(GetMessageClass(field.containing_type), {field.name: [item]})
        found = validation.compiled_violations(probe)
        return found is not None and not any(p.startswith(f"{field.name}[") for p, _ in found)

    def list_candidates(
        self, items: list[Any], good: Any, rules: validate_pb2.RepeatedRules, longest: int
    ) -> list[list[Any]]:
        out: list[list[Any]] = [[], [good], [good, good], [items[0]]]
        out += [[good, item] for item in items]
        for bound in ("min_items", "max_items"):
            if rules.HasField(bound):
                for n in _around(getattr(rules, bound)):
                    if 0 <= n <= longest:
                        out.append([items[i % len(items)] for i in range(n)])
                        out.append([good] * n)
        return out

    def message_candidates(self, desc: descriptor.Descriptor, depth: int) -> list[Message | None]:
        cls = GetMessageClass(desc)
        base: list[Message | None] = [None, cls(), self.baseline(desc, depth)]
        if depth >= 2 or not has_rules(desc):
            return base
        return base + list(self.columns(desc, depth))[:12]

    def columns(self, desc: descriptor.Descriptor, depth: int) -> Iterator[Message]:
        cls = GetMessageClass(desc)
        per_field = {f.name: self.field_candidates(f, depth) for f in desc.fields}
        width = max((len(c) for c in per_field.values()), default=0)
        for k in range(width):
            yield build(cls, {name: c[k % len(c)] for name, c in per_field.items()})
        for _ in range(RANDOM_MIXES):
            yield build(cls, {name: self.rng.choice(c) for name, c in per_field.items()})

    def baseline(self, desc: descriptor.Descriptor, depth: int) -> Message:
        """Every field at the first candidate the compiled checks find no fault with (a valid
        message where the rules allow one); protovalidate is the judge of the results anyway."""
        if desc.full_name in self._baselines:
            return self._baselines[desc.full_name]
        cls = GetMessageClass(desc)
        chosen: dict[str, Any] = {}
        self._baselines[desc.full_name] = cls()  # cycles: an empty message meanwhile
        for field in desc.fields:
            candidates = self.field_candidates(field, max(depth, 2))
            for value in candidates:
                probe = build(cls, {field.name: value})
                found = validation.compiled_violations(probe)
                if found is None or not any(p.split("[")[0].split(".")[0] == field.name for p, _ in found):
                    chosen[field.name] = value
                    break
        message = build(cls, chosen)
        self._baselines[desc.full_name] = message
        return message


def build(cls: Any, values: dict[str, Any]) -> Message:
    message = cls()
    for name, value in values.items():
        if value is None:
            continue
        field = message.DESCRIPTOR.fields_by_name[name]
        target = (
            getattr(message, name)
            if field.message_type is not None or isinstance(value, list | dict)
            else None
        )
        if isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, Message):
                    target[k].CopyFrom(v)
                else:
                    target[k] = v
        elif isinstance(value, list):
            if field.message_type is not None:
                for item in value:
                    target.add().CopyFrom(item)
            else:
                target.extend(value)
        elif isinstance(value, Message):
            target.CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


def candidates_of(desc: descriptor.Descriptor) -> list[Message]:
    gen = Generator()
    cls = GetMessageClass(desc)
    out = [cls(), gen.baseline(desc, 0), *gen.columns(desc, 0)]
    for field in desc.fields:  # the baseline with one field at each of its first values
        for value in gen.field_candidates(field, 1)[:3]:
            message = cls()
            message.CopyFrom(out[1])
            message.ClearField(field.name)
            out.append(build_into(message, field.name, value))
    return out


def build_into(message: Message, name: str, value: Any) -> Message:
    fresh = build(type(message), {name: value})
    message.MergeFrom(fresh)
    return message


def outcome(check: Any, message: Message) -> Any:
    try:
        return check(message)
    except Exception as err:  # protovalidate raises on values CEL cannot hold
        return type(err)


COMPILED = [d for d in request_types() if has_rules(d) and validation.fallback_reason(d) is None]


@pytest.mark.parametrize("desc", COMPILED, ids=lambda d: d.full_name.removeprefix("trading."))
def test_the_compiled_checks_agree_with_protovalidate(desc: descriptor.Descriptor) -> None:
    disagreements = []
    messages = candidates_of(desc)
    for message in messages:
        reference = outcome(validation.protovalidate_violations, message)
        compiled = outcome(validation.compiled_violations, message)
        if compiled != reference:
            shown = text_format.MessageToString(message, as_one_line=True)[:400]
            disagreements.append(f"{shown}\n  protovalidate: {reference}\n  compiled:      {compiled}")
    assert not disagreements, "\n".join(disagreements[:5])
    found = [outcome(validation.compiled_violations, m) for m in messages]
    assert any(f == [] for f in found), "no candidate was valid"
    assert any(isinstance(f, list) and f for f in found), "no candidate was refused"


def test_the_contracts_have_compiled_request_types() -> None:
    assert len(COMPILED) > 50


def test_only_custom_cel_rules_send_a_request_type_to_protovalidate() -> None:
    """Every other rule kind of the contracts is compiled; a new one shows up here."""
    reasons = {d.full_name: validation.fallback_reason(d) for d in request_types() if has_rules(d)}
    others = {name: why for name, why in reasons.items() if why and "custom CEL rules" not in why}
    assert others == {}
