"""Input validation from the contracts' buf.validate rules.

protovalidate evaluates every rule through a CEL interpreter (about a millisecond a rule in Python),
so the standard rules are compiled here, once per message type, into plain Python checks with the
same verdicts, the same field paths and the same descriptions. A message type whose rules (its own
or those of a message it contains) use anything this compiler does not know (custom `cel`
expressions, predefined rules of another shape, message or oneof rules, a rule kind not listed below) is
validated by protovalidate instead, transparently.

Compiled rule kinds (protovalidate 1.x semantics, rule by rule):

- string: const, len, min_len, max_len (code points), pattern (RE2, search), in, not_in, email,
  uuid, tuuid, example; and predefined boolean rules (extensions of StringRules, such as
  trading.common.v1.symbol) whose one CEL expression reads
  `!rule || this.matches('RE') ? '' : 'DESCRIPTION'`;
- bytes: len, min_len, max_len, example;
- int32/int64/uint32/uint64/sint*/fixed*/sfixed*: const, lt, lte, gt, gte (exclusive ranges
  too), in, not_in, example;
- enum: const, defined_only, in, not_in, example;
- duration: lt, lte, gt, gte, example;
- repeated: min_items, max_items, unique (scalar items), items (any of the above);
- required and ignore on any field; message fields, repeated message fields and map message
  values validated recursively.

Presence follows protovalidate: a field with explicit presence (proto3 `optional`, a message,
a oneof member) that is unset is skipped unless `required`; an implicit-presence scalar is
checked even at its zero value unless `ignore: IGNORE_IF_ZERO_VALUE`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import protovalidate
import re2
from buf.validate import validate_pb2
from celpy import celtypes
from google.protobuf import descriptor, unknown_fields
from google.protobuf.message import Message
from protovalidate.internal import rules as pv_rules
from protovalidate.internal import string_format

from core.errors import InvalidArgument

_validator = protovalidate.Validator()

Violations = list[tuple[str, str]]
# A compiled check of one field (or one nested message): (message, violations out), with paths
# relative to the message.
Check = Callable[[Message, Violations], None]
# A test of one value: returns True when the value breaks the rule.
Test = Callable[[Any], bool]

FD = descriptor.FieldDescriptor
# The buf.validate option extensions (untyped: the generated stubs are not type-checked).
_FIELD_RULES: Any = validate_pb2.field
_PREDEFINED: Any = validate_pb2.predefined
# The one predefined-rule shape compiled: a boolean rule that, when true, requires a match.
_PREDEFINED_MATCH = re.compile(r"^!rule \|\| this\.matches\('([^'\\]*)'\) \? '' : '([^'\\]*)'$")
_MESSAGE_RULES: Any = validate_pb2.message
_ONEOF_RULES: Any = validate_pb2.oneof

# See https://html.spec.whatwg.org/multipage/input.html#valid-e-mail-address (protovalidate's
# isEmail(), matched as a whole).
_EMAIL = (
    r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"
)
_UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_TUUID = "^[0-9a-fA-F]{32}$"

_INT_TYPES = {
    "int32": FD.TYPE_INT32,
    "int64": FD.TYPE_INT64,
    "uint32": FD.TYPE_UINT32,
    "uint64": FD.TYPE_UINT64,
    "sint32": FD.TYPE_SINT32,
    "sint64": FD.TYPE_SINT64,
    "fixed32": FD.TYPE_FIXED32,
    "fixed64": FD.TYPE_FIXED64,
    "sfixed32": FD.TYPE_SFIXED32,
    "sfixed64": FD.TYPE_SFIXED64,
}
_UNIQUE_ITEM_TYPES = {FD.TYPE_STRING, FD.TYPE_BYTES, FD.TYPE_BOOL, FD.TYPE_ENUM, *_INT_TYPES.values()}
_STRING_KEY_TYPES = {FD.TYPE_STRING}
_TIME_TYPES = {"google.protobuf.Duration", "google.protobuf.Timestamp"}


class _Unsupported(Exception):
    """A rule this compiler does not handle: the message type goes to protovalidate."""


# ---------------------------------------------------------------------------------------------
# Public entry points


def validate(message: Message) -> None:
    """Raise InvalidArgument with one field violation per broken rule."""
    plan = _plan_of(message.DESCRIPTOR)
    if plan is None:
        violations = protovalidate_violations(message)
    else:
        violations = []
        plan.run(message, violations)
    if violations:
        summary = "; ".join(f"{f}: {d}" for f, d in violations)
        raise InvalidArgument(
            f"invalid request: {summary}", violations=violations, reason="VALIDATION_FAILED"
        )


def compiled_violations(message: Message) -> Violations | None:
    """The violations found by the compiled checks; None when the type falls back to protovalidate."""
    plan = _plan_of(message.DESCRIPTOR)
    if plan is None:
        return None
    violations: Violations = []
    plan.run(message, violations)
    return violations


def protovalidate_violations(message: Message) -> Violations:
    """The violations protovalidate finds, as (field path, description)."""
    return [
        (_field_path(v), v.proto.message or v.proto.rule_id) for v in _validator.collect_violations(message)
    ]


def fallback_reason(desc: Any) -> str | None:
    """Why a message type is validated by protovalidate, or None when its checks are compiled."""
    _plan_of(desc)
    return _reasons.get(desc.full_name)


def _field_path(violation: Any) -> str:
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


# ---------------------------------------------------------------------------------------------
# Plans: the compiled checks of one message type


class _Plan:
    """The checks of one message type, in protovalidate's order (field by field: the field's
    rules, then the message it holds)."""

    __slots__ = ("checks", "direct", "full_name")

    def __init__(self, full_name: str) -> None:
        self.full_name = full_name
        self.checks: list[Check] = []
        self.direct = False  # whether a field of its own has rules (compile time)

    def run(self, message: Message, out: Violations) -> None:
        for check in self.checks:
            check(message, out)


_plans: dict[str, _Plan | None] = {}
_reasons: dict[str, str] = {}


def _plan_of(desc: Any) -> _Plan | None:
    name = desc.full_name
    try:
        return _plans[name]
    except KeyError:
        pass
    compiler = _Compiler()
    try:
        plan = compiler.compile(desc)
        compiler.finish()
    except _Unsupported as why:
        _reasons[name] = str(why)
        _plans[name] = None
        return None
    _plans[name] = plan
    return plan


class _Compiler:
    def __init__(self) -> None:
        self.plans: dict[str, _Plan] = {}
        # Per plan, the ordered steps: ("check", Check) or ("nested", field, kind, target plan).
        self.steps: dict[str, list[tuple[Any, ...]]] = {}

    def compile(self, desc: descriptor.Descriptor) -> _Plan:
        if desc.full_name in self.plans:
            return self.plans[desc.full_name]
        plan = _Plan(desc.full_name)
        self.plans[desc.full_name] = plan
        steps: list[tuple[Any, ...]] = []
        self.steps[desc.full_name] = steps
        options = desc.GetOptions()
        if options.HasExtension(_MESSAGE_RULES):
            raise _Unsupported(f"{desc.full_name}: message rules")
        for oneof in desc.oneofs:
            if oneof.GetOptions().HasExtension(_ONEOF_RULES):
                raise _Unsupported(f"{oneof.full_name}: oneof rules")
        for field in desc.fields:
            if field.GetOptions().HasExtension(_FIELD_RULES):
                field_rules = field.GetOptions().Extensions[_FIELD_RULES]
                if field_rules.ignore == validate_pb2.IGNORE_ALWAYS:
                    continue
                steps.append(("check", _field_check(field, field_rules)))
                plan.direct = True
                if field_rules.repeated.items.ignore == validate_pb2.IGNORE_ALWAYS:
                    continue
            if field.message_type is None:
                continue
            if field.message_type.GetOptions().map_entry:
                value_field = field.message_type.fields_by_name["value"]
                if value_field.message_type is None:
                    continue
                key_field = field.message_type.fields_by_name["key"]
                kind = "map_str" if key_field.type in _STRING_KEY_TYPES else "map"
                steps.append(("nested", field, kind, self.compile(value_field.message_type)))
            elif pv_rules._is_repeated(field):
                steps.append(("nested", field, "list", self.compile(field.message_type)))
            else:
                steps.append(("nested", field, "one", self.compile(field.message_type)))
        return plan

    def finish(self) -> None:
        """Drop the recursion into message types that have no rule anywhere below them, then
        build the checks."""
        live = {name for name, plan in self.plans.items() if plan.direct}
        changed = True
        while changed:
            changed = False
            for name, steps in self.steps.items():
                if name in live:
                    continue
                if any(s[0] == "nested" and s[3].full_name in live for s in steps):
                    live.add(name)
                    changed = True
        for name, steps in self.steps.items():
            self.plans[name].checks.extend(step[1] for step in steps if step[0] == "check")
        for name, steps in self.steps.items():
            plan = self.plans[name]
            for index, step in enumerate(steps):
                if step[0] == "nested" and step[3].full_name in live:
                    # In its place among the field checks: protovalidate's order.
                    position = sum(1 for s in steps[:index] if s[0] == "check" or s[0] == "built")
                    plan.checks.insert(position, _nested_check(step[1], step[2], step[3]))
                    steps[index] = ("built",)


def _nested_check(field: FD, kind: str, target: _Plan) -> Check:
    """Validate the message(s) a field holds; their violations' paths get the field's in front
    (built only when there is a violation)."""
    name = field.name
    checks = target.checks  # filled in by the compiler: a list shared with the target plan

    def run(message: Message, out: Violations) -> None:
        for check in checks:
            check(message, out)

    def under(out: Violations, start: int, head: str) -> None:
        for k in range(start, len(out)):
            path, description = out[k]
            out[k] = (f"{head}.{path}", description)

    if kind == "one":

        def one(message: Message, out: Violations) -> None:
            if message.HasField(name):
                start = len(out)
                run(getattr(message, name), out)
                if len(out) > start:
                    under(out, start, name)

        return one
    if kind == "list":

        def each(message: Message, out: Violations) -> None:
            start = len(out)
            for i, item in enumerate(getattr(message, name)):
                run(item, out)
                if len(out) > start:
                    under(out, start, f"{name}[{i}]")
                    start = len(out)

        return each
    if kind == "map_str":

        def each_str(message: Message, out: Violations) -> None:
            start = len(out)
            for key, item in getattr(message, name).items():
                run(item, out)
                if len(out) > start:
                    under(out, start, f"{name}[{key!r}]")
                    start = len(out)

        return each_str

    def each_value(message: Message, out: Violations) -> None:
        start = len(out)
        for item in getattr(message, name).values():
            run(item, out)
            if len(out) > start:
                under(out, start, name)
                start = len(out)

    return each_value


# ---------------------------------------------------------------------------------------------
# Field checks


def _field_check(field: FD, rules: validate_pb2.FieldRules) -> Check:
    if rules.cel or rules.cel_expression:
        raise _Unsupported(f"{field.full_name}: custom CEL rules")
    name = field.name
    required = rules.required
    ignore_zero = rules.ignore == validate_pb2.IGNORE_IF_ZERO_VALUE
    type_case = rules.WhichOneof("type")
    if pv_rules._is_repeated(field):
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            raise _Unsupported(f"{field.full_name}: map rules")
        if type_case not in (None, "repeated"):
            raise _Unsupported(f"{field.full_name}: {type_case} rules on a repeated field")
        return _repeated_check(field, rules, required=required, ignore_zero=ignore_zero)

    tests = _value_tests(field, rules)
    defined = None
    if type_case == "enum" and rules.enum.defined_only:
        assert field.enum_type is not None
        defined = frozenset(field.enum_type.values_by_number)
    presence = field.has_presence
    default = field.default_value
    # protovalidate turns a set Duration or Timestamp into a CEL value before its rules, which
    # raises on values out of CEL's range: do the same, so such a value is refused the same way.
    to_cel = (
        pv_rules._field_value_to_cel
        if field.message_type is not None and field.message_type.full_name in _TIME_TYPES
        else None
    )

    def check(message: Message, out: Violations) -> None:
        if presence:
            if not message.HasField(name):
                if required:
                    out.append((name, "value is required"))
                return
            value = getattr(message, name)
            if to_cel is not None:
                to_cel(value, field)
        else:
            value = getattr(message, name)
            if value == default:
                if required:
                    out.append((name, "value is required"))
                    return
                if ignore_zero:
                    # protovalidate still checks defined_only here; the zero value of an enum is
                    # always defined, so there is nothing to add.
                    return
        for broken, description in tests:
            if broken(value):
                out.append((name, description))
        if defined is not None and value not in defined:
            out.append((name, "value must be one of the defined enum values"))

    return check


def _repeated_check(field: FD, rules: validate_pb2.FieldRules, *, required: bool, ignore_zero: bool) -> Check:
    name = field.name
    low: int | None = None
    high: int | None = None
    low_description = high_description = ""
    unique = False
    item_tests: list[tuple[Test, str]] = []
    skip_zero_items = False
    if rules.HasField("repeated"):
        repeated = rules.repeated
        _no_extras(repeated, field)
        cel = pv_rules._msg_to_cel(repeated)
        for rule_field, value in repeated.ListFields():
            rule = rule_field.name
            if rule == "min_items":
                low = value
                low_description = _format("must contain at least %d item(s)", cel, rule)
            elif rule == "max_items":
                high = value
                high_description = _format("must contain no more than %s item(s)", cel, rule)
            elif rule == "unique":
                if value and field.type not in _UNIQUE_ITEM_TYPES:
                    raise _Unsupported(f"{field.full_name}: unique on non-scalar items")
                unique = value
            elif rule == "items":
                items = repeated.items
                if items.cel or items.cel_expression:
                    raise _Unsupported(f"{field.full_name}: custom CEL rules on items")
                if items.ignore != validate_pb2.IGNORE_ALWAYS:
                    # Items are checked with their value rules only: protovalidate's validate_item
                    # applies neither `required` nor enum `defined_only` to an item.
                    item_tests = _value_tests(field, items)
                    skip_zero_items = items.ignore == validate_pb2.IGNORE_IF_ZERO_VALUE
            else:
                raise _Unsupported(f"{field.full_name}: repeated.{rule}")

    def check(message: Message, out: Violations) -> None:
        values = getattr(message, name)
        count = len(values)
        if not count:
            if required:
                out.append((name, "value is required"))
                return
            if ignore_zero:
                return
        if low is not None and count < low:
            out.append((name, low_description))
        if high is not None and count > high:
            out.append((name, high_description))
        if unique and len(set(values)) != count:
            out.append((name, "repeated value must contain unique items"))
        if item_tests:
            for i, item in enumerate(values):
                if skip_zero_items and not item:
                    continue
                for broken, description in item_tests:
                    if broken(item):
                        out.append((f"{name}[{i}]", description))

    return check


def _no_extras(rules: Message, field: FD, *, predefined: bool = False) -> None:
    """Refuse rule messages carrying unknown fields, or predefined (extension) rules unless the
    rule kind compiles them."""
    if not predefined and any(fd.is_extension for fd, _ in rules.ListFields()):
        raise _Unsupported(f"{field.full_name}: predefined rules")
    if len(unknown_fields.UnknownFieldSet(rules)) > 0:
        raise _Unsupported(f"{field.full_name}: unknown rules")


def _value_tests(field: FD, rules: validate_pb2.FieldRules) -> list[tuple[Test, str]]:
    """The (broken?, description) tests of the type-specific rules of one value."""
    type_case = rules.WhichOneof("type")
    if type_case is None:
        return []
    typed = getattr(rules, type_case)
    _no_extras(typed, field, predefined=type_case == "string")
    cel = pv_rules._msg_to_cel(typed)
    if type_case == "string":
        _expect_type(field, FD.TYPE_STRING, type_case)
        return _string_tests(field, typed, cel)
    if type_case == "bytes":
        _expect_type(field, FD.TYPE_BYTES, type_case)
        return _bytes_tests(field, typed, cel)
    if type_case in _INT_TYPES:
        _expect_type(field, _INT_TYPES[type_case], type_case)
        return _number_tests(field, typed, cel, type_case, None)
    if type_case == "enum":
        _expect_type(field, FD.TYPE_ENUM, type_case)
        return _enum_tests(field, typed, cel)
    if type_case == "duration":
        if field.message_type is None or field.message_type.full_name != "google.protobuf.Duration":
            raise _Unsupported(f"{field.full_name}: duration rules on another type")
        return _number_tests(field, typed, cel, type_case, _duration)
    raise _Unsupported(f"{field.full_name}: {type_case} rules")


def _expect_type(field: FD, expected: int, type_case: str) -> None:
    if field.type != expected:  # wrappers and mismatches: protovalidate decides
        raise _Unsupported(f"{field.full_name}: {type_case} rules on field type {field.type}")


_string_format = string_format.StringFormat()


def _format(template: str, cel: Any, *rules: str) -> str:
    """A description as protovalidate writes it: CEL format() over the rule values."""
    text = _string_format.format(celtypes.StringType(template), celtypes.ListType([cel[r] for r in rules]))
    if not isinstance(text, str):
        raise _Unsupported(f"cannot format {template!r}")
    return str(text)


def _string_tests(field: FD, rules: Message, cel: Any) -> list[tuple[Test, str]]:
    tests: list[tuple[Test, str]] = []
    for rule_field, value in rules.ListFields():
        rule = rule_field.name
        if rule_field.is_extension:
            tests.extend(_predefined_match(field, rule_field, value))
        elif rule == "const":
            tests.append((_ne(value), _format("must equal `%s`", cel, rule)))
        elif rule == "len":
            tests.append((_ne_len(value), _format("must be %s characters", cel, rule)))
        elif rule == "min_len":
            tests.append((_lt_len(value), _format("must be at least %s characters", cel, rule)))
        elif rule == "max_len":
            tests.append((_gt_len(value), _format("must be at most %s characters", cel, rule)))
        elif rule == "pattern":
            search = _regex_search(value, field)
            tests.append((_no_match(search), _format("does not match regex pattern `%s`", cel, rule)))
        elif rule == "in":
            tests.append((_not_in(value), _format("must be in list %s", cel, rule)))
        elif rule == "not_in":
            tests.append((_in(value), _format("must not be in list %s", cel, rule)))
        elif rule in ("email", "uuid", "tuuid"):
            if value:  # `email: false` and the like check nothing
                what, matcher = {
                    "email": ("email address", _regex_full(_EMAIL)),
                    "uuid": ("UUID", _regex_search(_UUID, field)),
                    "tuuid": ("trimmed UUID", _regex_search(_TUUID, field)),
                }[rule]
                tests.append((_non_empty_no_match(matcher), f"must be a valid {what}"))
                tests.append((_empty, f"value is empty, which is not a valid {what}"))
        elif rule == "example":
            pass
        else:
            raise _Unsupported(f"{field.full_name}: string.{rule}")
    return tests


def _predefined_match(field: FD, rule_field: FD, value: Any) -> list[tuple[Test, str]]:
    """A predefined boolean string rule of the compiled shape: when set, the value must match."""
    cel = rule_field.GetOptions().Extensions[_PREDEFINED].cel
    shape = _PREDEFINED_MATCH.match(cel[0].expression) if len(cel) == 1 else None
    if rule_field.type != FD.TYPE_BOOL or shape is None:
        raise _Unsupported(f"{field.full_name}: predefined rule {rule_field.full_name}")
    if not value:
        return []
    pattern, description = shape.groups()
    return [(_no_match(_regex_search(pattern, field)), description)]


def _bytes_tests(field: FD, rules: Message, cel: Any) -> list[tuple[Test, str]]:
    tests: list[tuple[Test, str]] = []
    for rule_field, value in rules.ListFields():
        rule = rule_field.name
        if rule == "len":
            tests.append((_ne_len(value), _format("must be %s bytes", cel, rule)))
        elif rule == "min_len":
            tests.append((_lt_len(value), _format("must be at least %s bytes", cel, rule)))
        elif rule == "max_len":
            tests.append((_gt_len(value), _format("must be at most %s bytes", cel, rule)))
        elif rule == "example":
            pass
        else:
            raise _Unsupported(f"{field.full_name}: bytes.{rule}")
    return tests


def _enum_tests(field: FD, rules: Message, cel: Any) -> list[tuple[Test, str]]:
    tests: list[tuple[Test, str]] = []
    for rule_field, value in rules.ListFields():
        rule = rule_field.name
        if rule == "const":
            tests.append((_ne(value), _format("must equal %s", cel, rule)))
        elif rule == "in":
            tests.append((_not_in(value), _format("must be in list %s", cel, rule)))
        elif rule == "not_in":
            tests.append((_in(value), _format("must not be in list %s", cel, rule)))
        elif rule in ("defined_only", "example"):
            pass  # defined_only is checked by the field check (never on repeated items)
        else:
            raise _Unsupported(f"{field.full_name}: enum.{rule}")
    return tests


def _duration(value: Any) -> Any:
    # As protovalidate converts it (microsecond precision; out of range raises ValueError, as
    # protovalidate does).
    return celtypes.DurationType(value.seconds, value.nanos)


def _number_tests(
    field: FD, rules: Message, cel: Any, type_case: str, convert: Callable[[Any], Any] | None
) -> list[tuple[Test, str]]:
    """const/lt/lte/gt/gte/in/not_in, following the CEL of each rule (an exclusive range when the
    lower bound is above the upper one). Durations compare as protovalidate converts them."""
    has = rules.HasField
    bounds = {name: getattr(rules, name) for name in ("lt", "lte", "gt", "gte") if has(name)}
    if convert is not None:
        bounds = {name: cel[name] for name in bounds}
    tests: list[tuple[Test, str]] = []
    for rule_field, value in rules.ListFields():
        rule = rule_field.name
        if rule in ("lt", "lte"):
            if not has("gte") and not has("gt"):
                words = "less than" if rule == "lt" else "less than or equal to"
                test = _past_upper(rule, bounds[rule])
                tests.append((_conv(convert, test), _format(f"must be {words} %s", cel, rule)))
        elif rule in ("gt", "gte"):
            tests.append(_lower_bound_test(rule, bounds, cel, convert))
        elif rule == "const" and convert is None:
            tests.append((_ne(value), _format("must equal %s", cel, rule)))
        elif rule == "in" and convert is None:
            tests.append((_not_in(value), _format("must be in list %s", cel, rule)))
        elif rule == "not_in" and convert is None:
            tests.append((_in(value), _format("must not be in list %s", cel, rule)))
        elif rule == "example":
            pass
        else:
            raise _Unsupported(f"{field.full_name}: {type_case}.{rule}")
    return tests


def _past_upper(rule: str, hi: Any) -> Test:
    if rule == "lt":
        return lambda v: v >= hi
    return lambda v: v > hi


def _below_lower(rule: str, lo: Any) -> Test:
    if rule == "gte":
        return lambda v: v < lo
    return lambda v: v <= lo


def _lower_bound_test(
    rule: str, bounds: dict[str, Any], cel: Any, convert: Callable[[Any], Any] | None
) -> tuple[Test, str]:
    lo = bounds[rule]
    words = "greater than or equal to" if rule == "gte" else "greater than"
    below = _below_lower(rule, lo)
    if "lt" not in bounds and "lte" not in bounds:
        return _conv(convert, below), _format(f"must be {words} %s", cel, rule)
    upper = "lt" if "lt" in bounds else "lte"
    hi = bounds[upper]
    upper_words = "less than" if upper == "lt" else "less than or equal to"
    past = _past_upper(upper, hi)
    if hi >= lo:  # a range: outside it is wrong
        description = _format(f"must be {words} %s and {upper_words} %s", cel, rule, upper)
        return _conv(convert, lambda v: past(v) or below(v)), description
    # An exclusive range: the gap between the upper and the lower bound is wrong.
    description = _format(f"must be {words} %s or {upper_words} %s", cel, rule, upper)
    return _conv(convert, lambda v: past(v) and below(v)), description


# ---------------------------------------------------------------------------------------------
# Small tests (closures, so that each check is one call)


def _conv(convert: Callable[[Any], Any] | None, test: Test) -> Test:
    if convert is None:
        return test
    return lambda v: test(convert(v))


def _ne(expected: Any) -> Test:
    return lambda v: v != expected


def _ne_len(n: int) -> Test:
    return lambda v: len(v) != n


def _lt_len(n: int) -> Test:
    return lambda v: len(v) < n


def _gt_len(n: int) -> Test:
    return lambda v: len(v) > n


def _not_in(values: Any) -> Test:
    allowed = frozenset(values)
    return lambda v: v not in allowed


def _in(values: Any) -> Test:
    refused = frozenset(values)
    return lambda v: v in refused


def _empty(v: Any) -> bool:
    return not v


def _no_match(search: Callable[[str], Any]) -> Test:
    return lambda v: search(v) is None


def _non_empty_no_match(match: Callable[[str], Any]) -> Test:
    return lambda v: bool(v) and match(v) is None


# ---------------------------------------------------------------------------------------------
# RE2 patterns in Python


_LITERAL_ESCAPES = frozenset(".^$*+?()[]{}|\\-/")


def _python_regex(pattern: str) -> str | None:
    """The pattern rewritten for Python's `re` with RE2's meaning, or None when it uses anything
    outside a conservative subset (literals, `.`, escaped punctuation, \\d, character classes of
    literals and ranges, groups, alternation, greedy or lazy quantifiers, ^ and $).

    RE2 differences handled: `$` matches only at the very end (Python's also before a final
    newline: written as \\Z), `\\d` is ASCII only (written as [0-9])."""
    out: list[str] = []
    i, n = 0, len(pattern)
    can_repeat = False  # whether a quantifier may follow (an atom precedes it)
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                return None
            d = pattern[i + 1]
            if d in _LITERAL_ESCAPES:
                out.append("\\" + d)
            elif d == "d":
                out.append("[0-9]")
            else:
                return None
            i += 2
            can_repeat = True
        elif c == "[":
            j = i + 1
            part = ["["]
            if j < n and pattern[j] == "^":
                part.append("^")
                j += 1
            if j < n and pattern[j] == "]":
                return None
            while True:
                if j >= n:
                    return None
                ch = pattern[j]
                if ch == "]":
                    break
                if ch == "[" or pattern.startswith(("--", "&&", "~~", "||"), j):
                    return None
                if ch == "\\":
                    if j + 1 >= n:
                        return None
                    d = pattern[j + 1]
                    if d in _LITERAL_ESCAPES:
                        part.append("\\" + d)
                    elif d == "d":
                        part.append("0-9")
                    else:
                        return None
                    j += 2
                    continue
                part.append(ch)
                j += 1
            part.append("]")
            out.append("".join(part))
            i = j + 1
            can_repeat = True
        elif c in "*+?{":
            if not can_repeat:
                return None
            if c == "{":
                m = re.match(r"\{(\d+)(,(\d*))?\}", pattern[i:])
                if m is None:
                    return None
                low = int(m.group(1))
                high = int(m.group(3)) if m.group(3) else low
                if low > 1000 or high > 1000 or high < low:
                    return None
                out.append(m.group(0))
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
            if i < n and pattern[i] == "?":  # lazy
                out.append("?")
                i += 1
            if i < n and pattern[i] in "*+?{":
                return None
            can_repeat = False
        elif c == "(":
            if pattern.startswith("(?", i):
                if not pattern.startswith("(?:", i):
                    return None
                out.append("(?:")
                i += 3
            else:
                out.append("(")
                i += 1
            can_repeat = False
        elif c == ")":
            out.append(")")
            i += 1
            can_repeat = True
        elif c == "|":
            out.append("|")
            i += 1
            can_repeat = False
        elif c == "^":
            out.append("^")
            i += 1
            can_repeat = False
        elif c == "$":
            out.append(r"\Z")
            i += 1
            can_repeat = False
        elif c == ".":  # any character but a newline, in both
            out.append(".")
            i += 1
            can_repeat = True
        elif c in "}]":
            return None
        else:
            out.append(c)
            i += 1
            can_repeat = True
    translated = "".join(out)
    try:
        re.compile(translated)
    except re.error:
        return None
    return translated


def _regex_search(pattern: str, field: FD) -> Callable[[str], Any]:
    """RE2 search semantics (as CEL's matches()): Python's re when the pattern translates
    exactly, RE2 itself otherwise."""
    translated = _python_regex(pattern)
    if translated is not None:
        return re.compile(translated).search
    try:
        return re2.compile(pattern).search  # type: ignore[no-any-return]
    except Exception as err:  # protovalidate reports a bad pattern at evaluation
        raise _Unsupported(f"{field.full_name}: pattern {pattern!r}: {err}") from None


def _regex_full(pattern: str) -> Callable[[str], Any]:
    translated = _python_regex(pattern)
    assert translated is not None, pattern
    return re.compile(translated).fullmatch
