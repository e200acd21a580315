"""Write a .proto source file back from a serialized FileDescriptorProto.

Used once to vendor buf/validate/validate.proto from the descriptor that the PyPI
wheel `protovalidate` embeds (the wheel ships no .proto text). Comments are not part of
a descriptor, so the result has none; the definitions and options are exact.

    python tools/proto_from_descriptor.py > third_party/buf/validate/validate.proto
"""

from __future__ import annotations

import ast
import pathlib
import sys

from google.protobuf import (  # noqa: F401  (load deps)
    descriptor_pb2,
    descriptor_pool,
    duration_pb2,
    field_mask_pb2,
    text_encoding,
    text_format,
    timestamp_pb2,
)

FDP = descriptor_pb2.FieldDescriptorProto
SCALARS = {
    FDP.TYPE_DOUBLE: "double",
    FDP.TYPE_FLOAT: "float",
    FDP.TYPE_INT64: "int64",
    FDP.TYPE_UINT64: "uint64",
    FDP.TYPE_INT32: "int32",
    FDP.TYPE_FIXED64: "fixed64",
    FDP.TYPE_FIXED32: "fixed32",
    FDP.TYPE_BOOL: "bool",
    FDP.TYPE_STRING: "string",
    FDP.TYPE_BYTES: "bytes",
    FDP.TYPE_UINT32: "uint32",
    FDP.TYPE_SFIXED32: "sfixed32",
    FDP.TYPE_SFIXED64: "sfixed64",
    FDP.TYPE_SINT32: "sint32",
    FDP.TYPE_SINT64: "sint64",
}
MAX_FIELD = 536870911


def embedded_descriptor(path: pathlib.Path) -> bytes:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "file_desc":
            return ast.literal_eval(node.args[0])
    raise SystemExit("no file_desc(...) call found")


def reparse(options, cls):
    """Options parsed before the file was in the pool hold extensions as unknown fields."""
    return cls.FromString(options.SerializeToString())


def option_items(options) -> list[str]:
    out = []
    for field, value in options.ListFields():
        name = f"({field.full_name})" if field.is_extension else field.name
        values = value if field.is_repeated else [value]
        for v in values:
            if field.type == field.TYPE_MESSAGE:
                out.append(f"{name} = {{{text_format.MessageToString(v, as_one_line=True)}}}")
            elif field.type == field.TYPE_ENUM:
                out.append(f"{name} = {field.enum_type.values_by_number[v].name}")
            elif field.type == field.TYPE_STRING:
                out.append(f'{name} = "{text_encoding.CEscape(v, as_utf8=True)}"')
            elif field.type == field.TYPE_BOOL:
                out.append(f"{name} = {'true' if v else 'false'}")
            else:
                out.append(f"{name} = {v}")
    return out


def field_type(f) -> str:
    return f.type_name if f.type_name else SCALARS[f.type]


def field_line(f, syntax: str, in_oneof: bool, ind: str) -> str:
    label = ""
    if not in_oneof:
        if f.label == FDP.LABEL_REPEATED:
            label = "repeated "
        elif f.label == FDP.LABEL_REQUIRED:
            label = "required "
        elif syntax == "proto2" or f.proto3_optional:
            label = "optional "
    opts = option_items(reparse(f.options, descriptor_pb2.FieldOptions)) if f.HasField("options") else []
    if f.HasField("default_value"):
        dv = f.default_value
        opts.insert(
            0, f'default = "{dv}"' if f.type in (FDP.TYPE_STRING, FDP.TYPE_BYTES) else f"default = {dv}"
        )
    tail = f" [{', '.join(opts)}]" if opts else ""
    return f"{ind}{label}{field_type(f)} {f.name} = {f.number}{tail};"


def emit_enum(e, ind: str, lines: list[str]) -> None:
    lines.append(f"{ind}enum {e.name} {{")
    for opt in option_items(reparse(e.options, descriptor_pb2.EnumOptions)):
        lines.append(f"{ind}  option {opt};")
    for v in e.value:
        opts = option_items(reparse(v.options, descriptor_pb2.EnumValueOptions))
        tail = f" [{', '.join(opts)}]" if opts else ""
        lines.append(f"{ind}  {v.name} = {v.number}{tail};")
    for r in e.reserved_range:  # enum reserved ranges are inclusive
        lines.append(f"{ind}  reserved {r.start} to {r.end};")
    if e.reserved_name:
        lines.append(f"{ind}  reserved {', '.join(chr(34) + n + chr(34) for n in e.reserved_name)};")
    lines.append(f"{ind}}}")


def emit_message(m, syntax: str, ind: str, lines: list[str]) -> None:
    lines.append(f"{ind}message {m.name} {{")
    inner = ind + "  "
    for opt in option_items(reparse(m.options, descriptor_pb2.MessageOptions)):
        lines.append(f"{inner}option {opt};")
    for nested in m.nested_type:
        emit_message(nested, syntax, inner, lines)
    for e in m.enum_type:
        emit_enum(e, inner, lines)
    real_oneofs = {f.oneof_index for f in m.field if f.HasField("oneof_index") and not f.proto3_optional}
    done: set[int] = set()
    for f in m.field:
        if f.HasField("oneof_index") and f.oneof_index in real_oneofs:
            idx = f.oneof_index
            if idx in done:
                continue
            done.add(idx)
            od = m.oneof_decl[idx]
            lines.append(f"{inner}oneof {od.name} {{")
            for opt in option_items(reparse(od.options, descriptor_pb2.OneofOptions)):
                lines.append(f"{inner}  option {opt};")
            for g in m.field:
                if g.HasField("oneof_index") and g.oneof_index == idx:
                    lines.append(field_line(g, syntax, True, inner + "  "))
            lines.append(f"{inner}}}")
        else:
            lines.append(field_line(f, syntax, False, inner))
    for r in m.extension_range:
        end = "max" if r.end - 1 >= MAX_FIELD else str(r.end - 1)
        lines.append(f"{inner}extensions {r.start} to {end};")
    for r in m.reserved_range:
        lines.append(f"{inner}reserved {r.start} to {r.end - 1};")
    if m.reserved_name:
        lines.append(f"{inner}reserved {', '.join(chr(34) + n + chr(34) for n in m.reserved_name)};")
    emit_extensions(m.extension, syntax, inner, lines)
    lines.append(f"{ind}}}")


def emit_extensions(exts, syntax: str, ind: str, lines: list[str]) -> None:
    by_extendee: dict[str, list] = {}
    for x in exts:
        by_extendee.setdefault(x.extendee, []).append(x)
    for extendee, fields in by_extendee.items():
        lines.append(f"{ind}extend {extendee} {{")
        for x in fields:
            lines.append(field_line(x, syntax, False, ind + "  "))
        lines.append(f"{ind}}}")


def render(raw: bytes) -> str:
    fdp = descriptor_pb2.FileDescriptorProto.FromString(raw)
    descriptor_pool.Default().AddSerializedFile(raw)
    syntax = fdp.syntax or "proto2"
    lines = [f'syntax = "{syntax}";', "", f"package {fdp.package};", ""]
    lines += [f'import "{d}";' for d in fdp.dependency] + [""]
    for opt in option_items(reparse(fdp.options, descriptor_pb2.FileOptions)):
        lines.append(f"option {opt};")
    lines.append("")
    emit_extensions(fdp.extension, syntax, "", lines)
    for e in fdp.enum_type:
        emit_enum(e, "", lines)
    for m in fdp.message_type:
        emit_message(m, syntax, "", lines)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import protovalidate

    src = pathlib.Path(protovalidate.__file__).parent / "_gen/buf/validate/validate_pb.py"
    sys.stdout.write(render(embedded_descriptor(src)))
