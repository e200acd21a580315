"""Domain errors as gRPC statuses with google.rpc details (ErrorInfo, BadRequest, RetryInfo)."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2

from core.errors import Code, DomainError, InvalidArgument, ResourceExhausted, Unavailable

DETAILS_KEY = "grpc-status-details-bin"
GRPC_CODES: dict[Code, grpc.StatusCode] = {code: grpc.StatusCode[code.name] for code in Code}


def grpc_code(error: DomainError) -> grpc.StatusCode:
    """The gRPC status code a domain error goes on the wire with."""
    return GRPC_CODES[error.code]


def status_of(error: DomainError, domain: str) -> status_pb2.Status:
    """The google.rpc.Status for a domain error raised in `domain` (e.g. trading.market)."""
    status = status_pb2.Status(code=grpc_code(error).value[0], message=error.message)
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=domain, metadata=error.metadata)
    _pack(status, info)
    if isinstance(error, InvalidArgument) and error.violations:
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
                for f, d in error.violations
            ]
        )
        _pack(status, bad)
    if isinstance(error, ResourceExhausted | Unavailable) and error.retry_after_s is not None:
        delay = duration_pb2.Duration()
        delay.FromMilliseconds(int(error.retry_after_s * 1000))
        _pack(status, error_details_pb2.RetryInfo(retry_delay=delay))
    return status


def _pack(status: status_pb2.Status, detail) -> None:
    packed = any_pb2.Any()
    packed.Pack(detail)
    status.details.append(packed)


def trailers_of(status: status_pb2.Status) -> tuple[tuple[str, bytes], ...]:
    return ((DETAILS_KEY, status.SerializeToString()),)


def details_of(error: grpc.aio.AioRpcError | grpc.RpcError) -> status_pb2.Status | None:
    """The google.rpc.Status a server sent with an error, if any (client side)."""
    for key, value in error.trailing_metadata() or ():
        if key == DETAILS_KEY:
            return status_pb2.Status.FromString(value)
    return None


def unpack_detail(status: status_pb2.Status, cls):
    """The first detail of type `cls` in a status, or None."""
    for any_detail in status.details:
        if any_detail.Is(cls.DESCRIPTOR):
            out = cls()
            any_detail.Unpack(out)
            return out
    return None
