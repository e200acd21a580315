"""The contracts as descriptors: the committed gen/descriptor.binpb and a fresh buf build."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pb2
from trading.common.v1 import access_pb2

ROOT = Path(__file__).resolve().parents[2]
DESCRIPTOR_SET = ROOT / "gen" / "descriptor.binpb"
BUF = ROOT / "node_modules" / ".bin" / "buf"
VERBS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class HttpBinding:
    """One REST binding of an RPC: a google.api.http rule or one of its additional_bindings."""

    verb: str  # "GET", "POST", ...
    path: str  # the template as written, e.g. "/education/courses/{slug}"
    body: str

    @property
    def shape(self) -> str:
        """The path with variable names erased: "/a/{id}/b" and "/a/{account_id}/b" are one route."""
        return re.sub(r"\{[^}]*\}", "{}", self.path)

    @property
    def variables(self) -> list[str]:
        """The request field paths the template binds, e.g. ["id"] for "/x/{id}"."""
        return [v.split("=")[0] for v in re.findall(r"\{([^}]*)\}", self.path)]


@dataclass(frozen=True)
class Rpc:
    """One RPC of a service in the contracts."""

    service: str  # full name, e.g. "trading.billing.v1.BillingService"
    name: str
    input_type: str  # full name without the leading dot
    client_streaming: bool
    server_streaming: bool
    access: access_pb2.Access
    has_access: bool
    bindings: tuple[HttpBinding, ...]

    @property
    def full_name(self) -> str:
        return f"{self.service}.{self.name}"


def _binding(rule: http_pb2.HttpRule) -> HttpBinding | None:
    kind = rule.WhichOneof("pattern")
    if kind is None:
        return None
    if kind == "custom":
        return HttpBinding(rule.custom.kind.upper(), rule.custom.path, rule.body)
    return HttpBinding(kind.upper(), getattr(rule, kind), rule.body)


def bindings_of(options: descriptor_pb2.MethodOptions) -> tuple[HttpBinding, ...]:
    if not options.HasExtension(annotations_pb2.http):
        return ()
    rule = options.Extensions[annotations_pb2.http]
    found = [_binding(r) for r in (rule, *rule.additional_bindings)]
    return tuple(b for b in found if b is not None)


@cache
def committed_descriptor_set() -> descriptor_pb2.FileDescriptorSet:
    """gen/descriptor.binpb, what Envoy's transcoder serves (buf images parse as descriptor sets)."""
    return descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR_SET.read_bytes())


def source_descriptor_set(out_dir: Path) -> descriptor_pb2.FileDescriptorSet:
    """A fresh `buf build` of proto/ with source info (comments), which buf keeps unless told not to."""
    out = out_dir / "contracts.binpb"
    subprocess.run(
        [str(BUF), "build", "--as-file-descriptor-set", "-o", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def contract_files(fds: descriptor_pb2.FileDescriptorSet) -> list[descriptor_pb2.FileDescriptorProto]:
    """The platform's own files (package trading.*), not googleapis, protovalidate or WKTs."""
    return [f for f in fds.file if f.package.startswith("trading.")]


def rpcs_of(fds: descriptor_pb2.FileDescriptorSet) -> list[Rpc]:
    found = []
    for file in contract_files(fds):
        for service in file.service:
            for method in service.method:
                found.append(
                    Rpc(
                        service=f"{file.package}.{service.name}",
                        name=method.name,
                        input_type=method.input_type.lstrip("."),
                        client_streaming=method.client_streaming,
                        server_streaming=method.server_streaming,
                        access=method.options.Extensions[access_pb2.access],
                        has_access=method.options.HasExtension(access_pb2.access),
                        bindings=bindings_of(method.options),
                    )
                )
    return found


def messages_of(fds: descriptor_pb2.FileDescriptorSet) -> dict[str, descriptor_pb2.DescriptorProto]:
    """Every message of the set (nested ones too) by full name without the leading dot."""
    found: dict[str, descriptor_pb2.DescriptorProto] = {}

    def walk(prefix: str, messages) -> None:
        for m in messages:
            name = f"{prefix}.{m.name}"
            found[name] = m
            walk(name, m.nested_type)

    for file in fds.file:
        walk(file.package, file.message_type)
    return found
