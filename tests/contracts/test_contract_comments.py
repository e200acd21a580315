"""Every service, RPC, message, field, enum and enum value of the contracts has a leading comment."""

from __future__ import annotations

from collections.abc import Iterator

from google.protobuf import descriptor_pb2

from tests.contracts.descriptors import contract_files

# Field numbers of the descriptor messages, the steps of a SourceCodeInfo.Location path.
FILE_MESSAGE, FILE_ENUM, FILE_SERVICE = 4, 5, 6
MESSAGE_FIELD, MESSAGE_NESTED, MESSAGE_ENUM = 2, 3, 4
ENUM_VALUE = 2
SERVICE_METHOD = 2

Element = tuple[str, tuple[int, ...]]  # (what, its path in the file)


def _enum(prefix: str, enum: descriptor_pb2.EnumDescriptorProto, path: tuple[int, ...]) -> Iterator[Element]:
    yield f"enum {prefix}.{enum.name}", path
    for i, value in enumerate(enum.value):
        yield f"enum value {prefix}.{enum.name}.{value.name}", (*path, ENUM_VALUE, i)


def _message(
    prefix: str, message: descriptor_pb2.DescriptorProto, path: tuple[int, ...]
) -> Iterator[Element]:
    name = f"{prefix}.{message.name}"
    if message.options.map_entry:  # synthesized for map<,> fields, no source of its own
        return
    yield f"message {name}", path
    for i, field in enumerate(message.field):
        yield f"field {name}.{field.name}", (*path, MESSAGE_FIELD, i)
    for i, nested in enumerate(message.nested_type):
        yield from _message(name, nested, (*path, MESSAGE_NESTED, i))
    for i, enum in enumerate(message.enum_type):
        yield from _enum(name, enum, (*path, MESSAGE_ENUM, i))


def elements(file: descriptor_pb2.FileDescriptorProto) -> Iterator[Element]:
    for i, message in enumerate(file.message_type):
        yield from _message(file.package, message, (FILE_MESSAGE, i))
    for i, enum in enumerate(file.enum_type):
        yield from _enum(file.package, enum, (FILE_ENUM, i))
    for i, service in enumerate(file.service):
        yield f"service {file.package}.{service.name}", (FILE_SERVICE, i)
        for j, method in enumerate(service.method):
            yield f"rpc {file.package}.{service.name}.{method.name}", (FILE_SERVICE, i, SERVICE_METHOD, j)


def uncommented(file: descriptor_pb2.FileDescriptorProto) -> list[str]:
    comments = {tuple(loc.path): loc.leading_comments.strip() for loc in file.source_code_info.location}
    return [f"{file.name}: {what}" for what, path in elements(file) if not comments.get(path)]


def test_the_build_keeps_source_info(from_sources: descriptor_pb2.FileDescriptorSet) -> None:
    files = contract_files(from_sources)
    assert files
    assert all(f.source_code_info.location for f in files)


def test_every_contract_element_has_a_leading_comment(from_sources: descriptor_pb2.FileDescriptorSet) -> None:
    missing = [line for file in contract_files(from_sources) for line in uncommented(file)]
    assert not missing, f"{len(missing)} elements without a leading comment:\n" + "\n".join(missing)


def test_an_element_without_a_comment_is_reported() -> None:
    file = descriptor_pb2.FileDescriptorProto(name="x.proto", package="trading.x.v1")
    file.message_type.add(name="Thing").field.add(name="size", number=1)
    file.source_code_info.location.add(path=[FILE_MESSAGE, 0], leading_comments=" Thing is a thing.\n")
    assert uncommented(file) == ["x.proto: field trading.x.v1.Thing.size"]
