"""Each rule kind the validator compiles, on a message type built here for the purpose: the
violations it reports (paths and descriptions) and protovalidate's agreement with them; the types
it leaves to protovalidate; and the RE2-to-Python pattern rewriting."""

from __future__ import annotations

from typing import Any

import pytest
from buf.validate import validate_pb2
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from trading.inference.v1 import inference_messages_pb2 as inference

from core import validation
from core.errors import InvalidArgument

F = descriptor_pb2.FieldDescriptorProto
UUID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
PACKAGE = "tests.core_grpc.validation"


def _rules(**kwargs: Any) -> validate_pb2.FieldRules:
    return validate_pb2.FieldRules(**kwargs)


def _build_file() -> descriptor_pb2.FileDescriptorProto:
    file = descriptor_pb2.FileDescriptorProto(
        name="tests/core_grpc/validation_rules.proto",
        package=PACKAGE,
        syntax="proto3",
        dependency=["buf/validate/validate.proto", "google/protobuf/duration.proto"],
    )
    color = file.enum_type.add(name="Color")
    for number, name in enumerate(("COLOR_UNSPECIFIED", "COLOR_RED", "COLOR_GREEN")):
        color.value.add(name=name, number=number)

    inner = file.message_type.add(name="Inner")
    _field(inner, "code", 1, F.TYPE_STRING, _rules(string=validate_pb2.StringRules(min_len=1)))

    sample = file.message_type.add(name="Sample")
    sample.oneof_decl.add(name="choice")  # real oneofs before the synthetic ones of `optional`
    sample.nested_type.add(
        name="ByKeyEntry",
        options=descriptor_pb2.MessageOptions(map_entry=True),
        field=[
            F(name="key", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL),
            F(
                name="value",
                number=2,
                type=F.TYPE_MESSAGE,
                type_name=f".{PACKAGE}.Inner",
                label=F.LABEL_OPTIONAL,
            ),
        ],
    )
    S = validate_pb2.StringRules
    _field(sample, "s_len", 1, F.TYPE_STRING, _rules(string=S(min_len=2, max_len=4)))
    _field(sample, "s_pattern", 2, F.TYPE_STRING, _rules(string=S(pattern="^[a-z]+(-[a-z]+)*$")))
    _field(sample, "s_in", 3, F.TYPE_STRING, _rules(string=S(**{"in": ["x", "y"]}, not_in=["z"])))
    _field(sample, "s_email", 4, F.TYPE_STRING, _rules(string=S(email=True)))
    _field(sample, "s_uuid", 5, F.TYPE_STRING, _rules(string=S(uuid=True)))
    _field(sample, "s_tuuid", 6, F.TYPE_STRING, _rules(string=S(tuuid=True)))
    _field(sample, "s_const", 7, F.TYPE_STRING, _rules(string=S(const="k", len=1)))
    _field(sample, "b", 8, F.TYPE_BYTES, _rules(bytes=validate_pb2.BytesRules(min_len=1, max_len=3)))
    _field(sample, "i_range", 9, F.TYPE_INT32, _rules(int32=validate_pb2.Int32Rules(gte=1, lte=10)))
    _field(sample, "i_exclusive", 10, F.TYPE_INT32, _rules(int32=validate_pb2.Int32Rules(gt=10, lt=5)))
    _field(sample, "i64_gt", 11, F.TYPE_INT64, _rules(int64=validate_pb2.Int64Rules(gt=0)))
    _field(sample, "u32_lt", 12, F.TYPE_UINT32, _rules(uint32=validate_pb2.UInt32Rules(lt=5, not_in=[3])))
    enum_rules = _rules(enum=validate_pb2.EnumRules(defined_only=True, not_in=[2]))
    _field(sample, "color", 13, F.TYPE_ENUM, enum_rules, type_name=f".{PACKAGE}.Color")
    colors = _rules(
        repeated=validate_pb2.RepeatedRules(
            items=_rules(enum=validate_pb2.EnumRules(defined_only=True, **{"in": [1]}))
        )
    )
    _field(sample, "colors", 14, F.TYPE_ENUM, colors, type_name=f".{PACKAGE}.Color", repeated=True)
    tags = _rules(
        repeated=validate_pb2.RepeatedRules(
            min_items=1, max_items=3, unique=True, items=_rules(string=S(min_len=1))
        )
    )
    _field(sample, "tags", 15, F.TYPE_STRING, tags, repeated=True)
    duration = validate_pb2.DurationRules(gt=Duration(), lt=Duration(seconds=60))
    _field(
        sample, "dur", 16, F.TYPE_MESSAGE, _rules(duration=duration), type_name=".google.protobuf.Duration"
    )
    _field(sample, "opt", 17, F.TYPE_STRING, _rules(string=S(min_len=3)), optional=True)
    _field(sample, "req", 18, F.TYPE_STRING, _rules(required=True))
    _field(sample, "nested", 19, F.TYPE_MESSAGE, None, type_name=f".{PACKAGE}.Inner")
    _field(sample, "inners", 20, F.TYPE_MESSAGE, None, type_name=f".{PACKAGE}.Inner", repeated=True)
    _field(
        sample, "by_key", 21, F.TYPE_MESSAGE, None, type_name=f".{PACKAGE}.Sample.ByKeyEntry", repeated=True
    )
    zeroed = _rules(string=S(pattern="^[0-9]+$"), ignore=validate_pb2.IGNORE_IF_ZERO_VALUE)
    _field(sample, "zeroed", 22, F.TYPE_STRING, zeroed)
    skipped = _rules(string=S(min_len=5), ignore=validate_pb2.IGNORE_ALWAYS)
    _field(sample, "skipped", 23, F.TYPE_STRING, skipped)
    _field(sample, "choice_a", 24, F.TYPE_STRING, _rules(string=S(min_len=2)), oneof=0)
    _field(sample, "choice_b", 25, F.TYPE_INT32, _rules(int32=validate_pb2.Int32Rules(gt=0)), oneof=0)
    _field(sample, "req_inner", 26, F.TYPE_MESSAGE, _rules(required=True), type_name=f".{PACKAGE}.Inner")
    _field(sample, "s_re2", 27, F.TYPE_STRING, _rules(string=S(pattern="(?i)^ab\\w$")))
    _field(sample, "s_dot", 28, F.TYPE_STRING, _rules(string=S(pattern="^a.c$")))

    custom = file.message_type.add(name="Custom")
    cel = validate_pb2.Rule(id="even", message="must be even", expression="this % 2 == 0")
    _field(custom, "n", 1, F.TYPE_INT32, _rules(cel=[cel]))
    holder = file.message_type.add(name="Holder")
    _field(holder, "name", 1, F.TYPE_STRING, _rules(string=S(min_len=1)))
    _field(holder, "custom", 2, F.TYPE_MESSAGE, None, type_name=f".{PACKAGE}.Custom")
    return file


def _field(
    message: descriptor_pb2.DescriptorProto,
    name: str,
    number: int,
    type_: int,
    rules: validate_pb2.FieldRules | None,
    *,
    type_name: str = "",
    repeated: bool = False,
    optional: bool = False,
    oneof: int | None = None,
) -> None:
    field = message.field.add(
        name=name,
        number=number,
        type=type_,  # type: ignore[arg-type]
        label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL,
    )
    if type_name:
        field.type_name = type_name
    if optional:
        message.oneof_decl.add(name=f"_{name}")
        field.proto3_optional = True
        field.oneof_index = len(message.oneof_decl) - 1
    if oneof is not None:
        field.oneof_index = oneof
    if rules is not None:
        field.options.Extensions[validate_pb2.field].CopyFrom(rules)


def _classes() -> dict[str, Any]:
    pool = descriptor_pool.Default()
    try:
        pool.FindMessageTypeByName(f"{PACKAGE}.Sample")
    except KeyError:
        pool.Add(_build_file())
    return {
        name: GetMessageClass(pool.FindMessageTypeByName(f"{PACKAGE}.{name}"))
        for name in ("Sample", "Inner", "Custom", "Holder")
    }


CLASSES = _classes()
Sample, Inner, Custom, Holder = (CLASSES[n] for n in ("Sample", "Inner", "Custom", "Holder"))


def valid() -> Message:
    return Sample(
        s_len="abc",
        s_pattern="forex-basics",
        s_in="x",
        s_email="ana@example.com",
        s_uuid=UUID,
        s_tuuid=UUID.replace("-", ""),
        s_const="k",
        b=b"ab",
        i_range=5,
        i_exclusive=11,
        i64_gt=1,
        u32_lt=4,
        color=1,
        tags=["a"],
        dur=Duration(seconds=30),
        req="r",
        req_inner=Inner(code="c"),
        s_re2="ABc",
        s_dot="abc",
    )


def _with(**changes: Any) -> Message:
    message = valid()
    for name, value in changes.items():
        if value is None:
            message.ClearField(name)
        elif isinstance(value, list):
            message.ClearField(name)
            getattr(message, name).extend(value)
        elif isinstance(value, Message):
            getattr(message, name).CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


CASES: list[tuple[str, Message, list[tuple[str, str]]]] = [
    ("valid", valid(), []),
    ("string min_len in code points", _with(s_len="é"), [("s_len", "must be at least 2 characters")]),
    ("string max_len in code points", _with(s_len="éééé"), []),
    ("string max_len", _with(s_len="abcde"), [("s_len", "must be at most 4 characters")]),
    (
        "string pattern",
        _with(s_pattern="Forex Basics"),
        [("s_pattern", "does not match regex pattern `^[a-z]+(-[a-z]+)*$`")],
    ),
    (
        "string pattern: $ is the very end",
        _with(s_pattern="forex\n"),
        [("s_pattern", "does not match regex pattern `^[a-z]+(-[a-z]+)*$`")],
    ),
    ("string pattern: any character", _with(s_dot="abc"), []),
    (
        "string pattern: any character but a newline",
        _with(s_dot="a\nc"),
        [("s_dot", "does not match regex pattern `^a.c$`")],
    ),
    ("string pattern: a literal", _with(s_dot="ac"), [("s_dot", "does not match regex pattern `^a.c$`")]),
    ("string pattern through RE2", _with(s_re2="abc"), []),
    (
        "string pattern through RE2, refused",
        _with(s_re2="ab-"),
        [("s_re2", "does not match regex pattern `(?i)^ab\\w$`")],
    ),
    ("string in", _with(s_in="w"), [("s_in", "must be in list [x, y]")]),
    (
        "string not_in",
        _with(s_in="z"),
        [("s_in", "must be in list [x, y]"), ("s_in", "must not be in list [z]")],
    ),
    ("email", _with(s_email="ana@"), [("s_email", "must be a valid email address")]),
    (
        "email with a newline",
        _with(s_email="ana@example.com\n"),
        [("s_email", "must be a valid email address")],
    ),
    ("email empty", _with(s_email=""), [("s_email", "value is empty, which is not a valid email address")]),
    ("uuid", _with(s_uuid="42"), [("s_uuid", "must be a valid UUID")]),
    ("uuid upper case", _with(s_uuid=UUID.upper()), []),
    ("uuid empty", _with(s_uuid=""), [("s_uuid", "value is empty, which is not a valid UUID")]),
    ("tuuid", _with(s_tuuid=UUID), [("s_tuuid", "must be a valid trimmed UUID")]),
    (
        "string const and len",
        _with(s_const="kk"),
        [("s_const", "must equal `k`"), ("s_const", "must be 1 characters")],
    ),
    ("bytes min_len", _with(b=b""), [("b", "must be at least 1 bytes")]),
    ("bytes max_len", _with(b=b"abcd"), [("b", "must be at most 3 bytes")]),
    (
        "int range low",
        _with(i_range=0),
        [("i_range", "must be greater than or equal to 1 and less than or equal to 10")],
    ),
    (
        "int range high",
        _with(i_range=11),
        [("i_range", "must be greater than or equal to 1 and less than or equal to 10")],
    ),
    ("int range bounds", _with(i_range=10), []),
    ("exclusive range below", _with(i_exclusive=4), []),
    (
        "exclusive range gap",
        _with(i_exclusive=5),
        [("i_exclusive", "must be greater than 10 or less than 5")],
    ),
    (
        "exclusive range gap top",
        _with(i_exclusive=10),
        [("i_exclusive", "must be greater than 10 or less than 5")],
    ),
    ("int64 gt", _with(i64_gt=0), [("i64_gt", "must be greater than 0")]),
    ("uint32 lt and not_in", _with(u32_lt=3), [("u32_lt", "must not be in list [3]")]),
    ("uint32 lt", _with(u32_lt=5), [("u32_lt", "must be less than 5")]),
    ("enum defined_only", _with(color=7), [("color", "value must be one of the defined enum values")]),
    ("enum not_in", _with(color=2), [("color", "must not be in list [2]")]),
    ("enum zero is checked", _with(color=0), []),
    # protovalidate applies an item's value rules but not defined_only to repeated enum items.
    (
        "repeated enum items",
        _with(colors=[1, 9, 2]),
        [("colors[1]", "must be in list [1]"), ("colors[2]", "must be in list [1]")],
    ),
    ("repeated min_items", _with(tags=[]), [("tags", "must contain at least 1 item(s)")]),
    (
        "repeated max_items",
        _with(tags=["a", "b", "c", "d"]),
        [("tags", "must contain no more than 3 item(s)")],
    ),
    ("repeated unique", _with(tags=["a", "a"]), [("tags", "repeated value must contain unique items")]),
    ("repeated items", _with(tags=["a", ""]), [("tags[1]", "must be at least 1 characters")]),
    ("duration gt", _with(dur=Duration()), [("dur", "must be greater than 0s and less than 60s")]),
    ("duration lt", _with(dur=Duration(seconds=60)), [("dur", "must be greater than 0s and less than 60s")]),
    # CEL durations hold microseconds: 1 ns above zero reads as zero.
    (
        "duration precision",
        _with(dur=Duration(nanos=1)),
        [("dur", "must be greater than 0s and less than 60s")],
    ),
    ("duration unset", _with(dur=None), []),
    ("optional unset", _with(opt=None), []),
    ("optional set empty", _with(opt=""), [("opt", "must be at least 3 characters")]),
    ("required scalar", _with(req=""), [("req", "value is required")]),
    ("required message", _with(req_inner=None), [("req_inner", "value is required")]),
    (
        "required message set but empty",
        _with(req_inner=Inner()),
        [("req_inner.code", "must be at least 1 characters")],
    ),
    ("nested message", _with(nested=Inner()), [("nested.code", "must be at least 1 characters")]),
    (
        "repeated messages",
        _with(inners=[Inner(code="a"), Inner()]),
        [("inners[1].code", "must be at least 1 characters")],
    ),
    ("ignore if zero value", _with(zeroed=""), []),
    (
        "ignore if zero value, set",
        _with(zeroed="1a"),
        [("zeroed", "does not match regex pattern `^[0-9]+$`")],
    ),
    ("ignore always", _with(skipped="a"), []),
    ("oneof member unset", _with(choice_a=None), []),
    ("oneof member set", _with(choice_a="a"), [("choice_a", "must be at least 2 characters")]),
    ("other oneof member", _with(choice_b=0), [("choice_b", "must be greater than 0")]),
]


@pytest.mark.parametrize(("case", "message", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_kind_reports_like_protovalidate(case: str, message: Message, expected: list) -> None:
    assert validation.compiled_violations(message) == expected
    assert validation.protovalidate_violations(message) == expected


def test_map_message_values_are_validated_with_their_key_in_the_path() -> None:
    message = valid()
    message.by_key["ok"].code = "c"
    message.by_key["bad"].CopyFrom(Inner())
    expected = [("by_key['bad'].code", "must be at least 1 characters")]
    assert validation.compiled_violations(message) == expected
    assert validation.protovalidate_violations(message) == expected


def test_validate_raises_invalid_argument_with_the_violations() -> None:
    with pytest.raises(InvalidArgument) as refused:
        validation.validate(_with(s_len="", tags=["a", ""]))
    assert refused.value.reason == "VALIDATION_FAILED"
    assert refused.value.violations == [
        ("s_len", "must be at least 2 characters"),
        ("tags[1]", "must be at least 1 characters"),
    ]
    validation.validate(valid())


def test_a_duration_out_of_cel_range_is_refused_as_protovalidate_refuses_it() -> None:
    message = _with(dur=Duration(seconds=315_576_000_001))
    with pytest.raises(ValueError):
        validation.protovalidate_violations(message)
    with pytest.raises(ValueError):
        validation.compiled_violations(message)


def test_custom_cel_rules_go_to_protovalidate_itself_and_from_a_nested_message() -> None:
    assert validation.fallback_reason(Sample.DESCRIPTOR) is None
    assert "custom CEL rules" in (validation.fallback_reason(Custom.DESCRIPTOR) or "")
    assert "custom CEL rules" in (validation.fallback_reason(Holder.DESCRIPTOR) or "")
    assert validation.compiled_violations(Holder(custom=Custom(n=1))) is None
    with pytest.raises(InvalidArgument) as refused:
        validation.validate(Holder(custom=Custom(n=1)))
    assert refused.value.violations == [
        ("name", "must be at least 1 characters"),
        ("custom.n", "must be even"),
    ]


def test_a_long_list_is_checked_item_by_item() -> None:
    row = inference.FeatureRow(values=[1.0])
    batch = inference.PredictRowsRequest(name="m", rows=[row] * 1024)
    assert validation.compiled_violations(batch) == []
    batch.rows[700].ClearField("values")
    too_many = inference.PredictRowsRequest(name="m", rows=[row] * 20_001)
    assert validation.compiled_violations(batch) == [("rows[700].values", "must contain at least 1 item(s)")]
    assert validation.compiled_violations(too_many) == [("rows", "must contain no more than 20000 item(s)")]


@pytest.mark.parametrize(
    ("pattern", "python"),
    [
        ("^[a-z0-9]+(-[a-z0-9]+)*$", r"^[a-z0-9]+(-[a-z0-9]+)*\Z"),
        (r"^[0-9]{1,15}(\.[0-9]{1,10})?$", r"^[0-9]{1,15}(\.[0-9]{1,10})?\Z"),
        (r"^\d+$", r"^[0-9]+\Z"),
        (r"^[A-Za-z0-9._-]+$", r"^[A-Za-z0-9._-]+\Z"),
        ("a|b", "a|b"),
        ("^a.c$", r"^a.c\Z"),
        ("^@ #/$", r"^@ #/\Z"),
        ("(?:ab)+?c", "(?:ab)+?c"),
        ("(?i)abc", None),  # flags: RE2 decides
        (r"\w+", None),  # \w differs (Unicode in Python)
        (r"\s", None),
        ("a*+", None),  # possessive in Python, an error in RE2
        ("a{1001}", None),  # over RE2's repeat limit
        ("[[:alpha:]]", None),
        ("*a", None),
        ("a{2", None),
    ],
)
def test_patterns_are_rewritten_for_python_only_when_the_meaning_is_the_same(
    pattern: str, python: str | None
) -> None:
    assert validation._python_regex(pattern) == python
