"""Domain errors are transport-free; the chassis maps their codes to gRPC's."""

from __future__ import annotations

import ast
import inspect

import grpc
import pytest

from core import errors
from core.status import GRPC_CODES, grpc_code, status_of


def test_the_domain_errors_module_imports_no_transport() -> None:
    tree = ast.parse(inspect.getsource(errors))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
    }
    assert not imported & {"grpc", "google"}, imported


def test_every_code_maps_to_the_grpc_code_of_the_same_name() -> None:
    assert set(GRPC_CODES) == set(errors.Code)
    assert all(GRPC_CODES[code].name == code.name for code in errors.Code)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (errors.InvalidArgument("bad"), grpc.StatusCode.INVALID_ARGUMENT),
        (errors.Unauthenticated("who"), grpc.StatusCode.UNAUTHENTICATED),
        (errors.PermissionDenied("no"), grpc.StatusCode.PERMISSION_DENIED),
        (errors.NotFound("gone"), grpc.StatusCode.NOT_FOUND),
        (errors.AlreadyExists("twice"), grpc.StatusCode.ALREADY_EXISTS),
        (errors.Aborted("raced"), grpc.StatusCode.ABORTED),
        (errors.FailedPrecondition("not now"), grpc.StatusCode.FAILED_PRECONDITION),
        (errors.ResourceExhausted("slow down", retry_after_s=2), grpc.StatusCode.RESOURCE_EXHAUSTED),
        (errors.Unavailable("down"), grpc.StatusCode.UNAVAILABLE),
        (errors.Unimplemented("later"), grpc.StatusCode.UNIMPLEMENTED),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, errors.DomainError) else v.name,
)
def test_each_error_goes_on_the_wire_with_its_status(error: errors.DomainError, expected) -> None:
    assert grpc_code(error) is expected
    assert status_of(error, "trading.test").code == expected.value[0]
