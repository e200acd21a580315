"""Domain errors. Domain code raises these; they carry no transport types. The chassis
interceptor (core/interceptor.py, core/status.py) maps each `Code` to a gRPC status code."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping


class Code(enum.Enum):
    """What kind of failure a domain error is. The names are gRPC's, so logs and metrics read the
    same on both sides of the mapping."""

    UNKNOWN = enum.auto()
    INVALID_ARGUMENT = enum.auto()
    UNAUTHENTICATED = enum.auto()
    PERMISSION_DENIED = enum.auto()
    NOT_FOUND = enum.auto()
    ALREADY_EXISTS = enum.auto()
    ABORTED = enum.auto()
    FAILED_PRECONDITION = enum.auto()
    RESOURCE_EXHAUSTED = enum.auto()
    UNAVAILABLE = enum.auto()
    UNIMPLEMENTED = enum.auto()


class DomainError(Exception):
    """A failure a caller can act on: a code, a stable reason and a message for people."""

    code: Code = Code.UNKNOWN
    default_reason = "ERROR"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.metadata = dict(metadata or {})


class InvalidArgument(DomainError):
    code = Code.INVALID_ARGUMENT
    default_reason = "INVALID_ARGUMENT"

    def __init__(
        self,
        message: str,
        *,
        violations: Iterable[tuple[str, str]] = (),
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, reason=reason, metadata=metadata)
        self.violations = list(violations)


class Unauthenticated(DomainError):
    code = Code.UNAUTHENTICATED
    default_reason = "UNAUTHENTICATED"


class PermissionDenied(DomainError):
    code = Code.PERMISSION_DENIED
    default_reason = "PERMISSION_DENIED"


class NotFound(DomainError):
    code = Code.NOT_FOUND
    default_reason = "NOT_FOUND"


class AlreadyExists(DomainError):
    code = Code.ALREADY_EXISTS
    default_reason = "ALREADY_EXISTS"


class Aborted(DomainError):
    code = Code.ABORTED
    default_reason = "ABORTED"


class FailedPrecondition(DomainError):
    code = Code.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"


class _Retryable(DomainError):
    def __init__(
        self,
        message: str,
        *,
        retry_after_s: float | None = None,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, reason=reason, metadata=metadata)
        self.retry_after_s = retry_after_s


class ResourceExhausted(_Retryable):
    code = Code.RESOURCE_EXHAUSTED
    default_reason = "RESOURCE_EXHAUSTED"


class Unavailable(_Retryable):
    code = Code.UNAVAILABLE
    default_reason = "UNAVAILABLE"


class Unimplemented(DomainError):
    code = Code.UNIMPLEMENTED
    default_reason = "UNIMPLEMENTED"
