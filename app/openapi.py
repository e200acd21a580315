"""The REST surface as an OpenAPI 3.1 document, rendered from the descriptors Envoy's routes come from.

`app.envoy.rpc_routes` gives every RPC with its `google.api.http` bindings and audience; this
module turns each binding into an operation: path parameters from the template, the rest of the
request as query parameters (GET, DELETE) or the JSON body, the response message as the 200 body,
and `google.rpc.Status` for every error, as the gateway answers them. Schemas follow the proto3
JSON mapping as the transcoder prints it (field names as in the proto, enums by name, 64-bit
integers as strings, well-known types as their JSON forms). Served by the edge at /openapi.json,
with a browsable page at /api-docs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2
from trading.common.v1 import access_pb2

from app.envoy import RpcRoute, load_descriptor_set, rpc_routes

F = descriptor_pb2.FieldDescriptorProto
INT64_PATTERN = "^-?[0-9]+$"
SCALARS: dict[int, dict[str, Any]] = {
    F.TYPE_STRING: {"type": "string"},
    F.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
    F.TYPE_BOOL: {"type": "boolean"},
    F.TYPE_DOUBLE: {"type": "number"},
    F.TYPE_FLOAT: {"type": "number"},
    **{t: {"type": "integer", "format": "int32"} for t in (F.TYPE_INT32, F.TYPE_SINT32, F.TYPE_SFIXED32)},
    **{t: {"type": "integer", "format": "int32", "minimum": 0} for t in (F.TYPE_UINT32, F.TYPE_FIXED32)},
    **{
        t: {"type": "string", "pattern": INT64_PATTERN, "format": "int64"}
        for t in (F.TYPE_INT64, F.TYPE_SINT64, F.TYPE_SFIXED64, F.TYPE_UINT64, F.TYPE_FIXED64)
    },
}
WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]{1,9})?s$"},
    "google.protobuf.FieldMask": {"type": "string"},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.Empty": {"type": "object"},
    "google.protobuf.Any": {"type": "object", "properties": {"@type": {"type": "string"}}},
    "google.protobuf.StringValue": {"type": "string"},
    "google.protobuf.BytesValue": {"type": "string", "contentEncoding": "base64"},
    "google.protobuf.BoolValue": {"type": "boolean"},
    "google.protobuf.DoubleValue": {"type": "number"},
    "google.protobuf.FloatValue": {"type": "number"},
    "google.protobuf.Int32Value": {"type": "integer"},
    "google.protobuf.UInt32Value": {"type": "integer", "minimum": 0},
    "google.protobuf.Int64Value": {"type": "string", "pattern": INT64_PATTERN},
    "google.protobuf.UInt64Value": {"type": "string", "pattern": INT64_PATTERN},
}
STATUS_SCHEMA = {
    "type": "object",
    "description": "google.rpc.Status: every error through the gateway, from Envoy or a service.",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "integer", "description": "google.rpc.Code"},
        "message": {"type": "string"},
        "details": {
            "type": "array",
            "items": {"type": "object", "properties": {"@type": {"type": "string"}}},
        },
    },
}
_PATH_VARIABLE = re.compile(r"\{([^}=]+)(=[^}]*)?\}")


class Descriptors:
    """Messages and enums of a descriptor set, by full name."""

    def __init__(self, files: descriptor_pb2.FileDescriptorSet) -> None:
        self.messages: dict[str, descriptor_pb2.DescriptorProto] = {}
        self.enums: dict[str, descriptor_pb2.EnumDescriptorProto] = {}
        for f in files.file:
            self._add(f.package, f.message_type, f.enum_type)

    def _add(self, prefix: str, messages: Iterable[Any], enums: Iterable[Any]) -> None:
        for e in enums:
            self.enums[f"{prefix}.{e.name}"] = e
        for msg in messages:
            full = f"{prefix}.{msg.name}"
            self.messages[full] = msg
            self._add(full, msg.nested_type, msg.enum_type)


def _schema_name(full_name: str) -> str:
    return full_name.replace(".", "_")


class SchemaBuilder:
    """JSON Schemas of messages, collected under components/schemas as they are referenced."""

    def __init__(self, descriptors: Descriptors) -> None:
        self.d = descriptors
        self.schemas: dict[str, dict[str, Any]] = {"google_rpc_Status": STATUS_SCHEMA}

    def ref(self, full_name: str) -> dict[str, Any]:
        if full_name in WELL_KNOWN:
            return dict(WELL_KNOWN[full_name])
        name = _schema_name(full_name)
        if name not in self.schemas:
            self.schemas[name] = {}  # placeholder first: messages may refer to themselves
            self.schemas[name] = self._message(self.d.messages[full_name])
        return {"$ref": f"#/components/schemas/{name}"}

    def _message(self, msg: descriptor_pb2.DescriptorProto) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {field.name: self.field(field) for field in msg.field},
        }

    def _single(self, field: descriptor_pb2.FieldDescriptorProto) -> dict[str, Any]:
        if field.type == F.TYPE_ENUM:
            enum = self.d.enums[field.type_name.lstrip(".")]
            return {"type": "string", "enum": [v.name for v in enum.value]}
        if field.type in (F.TYPE_MESSAGE, F.TYPE_GROUP):
            return self.ref(field.type_name.lstrip("."))
        return dict(SCALARS[field.type])

    def field(self, field: descriptor_pb2.FieldDescriptorProto) -> dict[str, Any]:
        if field.label != F.LABEL_REPEATED:
            return self._single(field)
        entry = self.d.messages.get(field.type_name.lstrip(".")) if field.type_name else None
        if entry is not None and entry.options.map_entry:
            return {"type": "object", "additionalProperties": self._single(entry.field[1])}
        return {"type": "array", "items": self._single(field)}

    def query_parameters(
        self, msg: descriptor_pb2.DescriptorProto, taken: set[str], prefix: str = ""
    ) -> list[dict[str, Any]]:
        """Scalar fields (and those of nested messages, dotted) as query parameters."""
        params = []
        for field in msg.field:
            name = prefix + field.name
            if name in taken:
                continue
            nested = (
                self.d.messages.get(field.type_name.lstrip(".")) if field.type == F.TYPE_MESSAGE else None
            )
            if nested is not None and field.type_name.lstrip(".") not in WELL_KNOWN:
                if not prefix and field.label != F.LABEL_REPEATED:
                    params += self.query_parameters(nested, taken, name + ".")
                continue
            schema = self.field(field)
            params.append({"name": name, "in": "query", "required": False, "schema": schema})
        return params


def openapi_path(template: str) -> tuple[str, list[str]]:
    """`/a/{id}/b:verb` -> the OpenAPI path and its variables (`{name=x/*}` becomes `{name}`)."""
    names = [m.group(1) for m in _PATH_VARIABLE.finditer(template)]
    return _PATH_VARIABLE.sub(lambda m: "{" + m.group(1) + "}", template), names


def _security(audience: int) -> list[dict[str, list[str]]]:
    if audience == access_pb2.AUDIENCE_PUBLIC:
        return []
    if audience == access_pb2.AUDIENCE_SERVICE:
        return [{"bearer": []}, {"apiKey": []}]
    return [{"bearer": []}]


def _field_named(
    msg: descriptor_pb2.DescriptorProto, dotted: str
) -> descriptor_pb2.FieldDescriptorProto | None:
    return next((f for f in msg.field if f.name == dotted.split(".")[0]), None)


def _operation(
    rpc: RpcRoute, method: str, template: str, body: str, schemas: SchemaBuilder
) -> dict[str, Any]:
    request = schemas.d.messages[rpc.input_type]
    _path, variables = openapi_path(template)
    parameters = []
    for name in variables:
        field = _field_named(request, name)
        schema = schemas.field(field) if field is not None and "." not in name else {"type": "string"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    operation: dict[str, Any] = {
        "operationId": f"{rpc.service.rsplit('.', 1)[1]}_{rpc.name}"
        + ("" if template == rpc.bindings[0].template and method == rpc.bindings[0].method else f"_{method}"),
        "tags": [rpc.service],
        "summary": f"{rpc.service}/{rpc.name}",
        "security": _security(rpc.audience),
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "server stream, one JSON object per line" if rpc.server_streaming else "OK",
                "content": {"application/json": {"schema": schemas.ref(rpc.output_type)}},
            },
            "default": {
                "description": "an error, as google.rpc.Status",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/google_rpc_Status"}}
                },
            },
        },
    }
    if rpc.server_streaming:
        operation["x-server-streaming"] = True
    if body == "*":
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas.ref(rpc.input_type)}},
        }
    elif body:
        field = _field_named(request, body)
        assert field is not None, f"{rpc.grpc_path}: no body field {body!r}"
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas.field(field)}},
        }
        parameters += schemas.query_parameters(request, {*variables, body})
    else:
        parameters += schemas.query_parameters(request, set(variables))
    return operation


def render_openapi(
    descriptor_path: Path, services: Iterable[str], *, title: str = "Trading platform", version: str = "1"
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the REST bindings of `services`."""
    schemas = SchemaBuilder(Descriptors(load_descriptor_set(descriptor_path)))
    paths: dict[str, dict[str, Any]] = {}
    for rpc in rpc_routes(descriptor_path, services):
        for binding in rpc.bindings:
            path, _ = openapi_path(binding.template)
            method = binding.method.lower()
            paths.setdefault(path, {})[method] = _operation(
                rpc, binding.method, binding.template, binding.body, schemas
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "REST+JSON through the gateway, transcoded to the gRPC services. Every error "
            "is a google.rpc.Status JSON body with the HTTP status of its code.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.schemas.items())),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
            },
        },
    }
