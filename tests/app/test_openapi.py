"""The OpenAPI 3.1 document is rendered from the same descriptors as Envoy's routes, is valid, and
describes every REST binding with its parameters, body, response and security."""

from __future__ import annotations

from pathlib import Path

from openapi_spec_validator import validate

from app.envoy import rpc_routes, trading_services
from app.openapi import openapi_path, render_openapi

DESCRIPTOR = Path(__file__).resolve().parents[2] / "gen" / "descriptor.binpb"


def _document() -> dict:
    return render_openapi(DESCRIPTOR, trading_services(DESCRIPTOR))


def test_the_document_is_valid_openapi_3_1() -> None:
    document = _document()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_rest_binding_is_an_operation_with_the_audience_as_security() -> None:
    document = _document()
    routes = rpc_routes(DESCRIPTOR, trading_services(DESCRIPTOR))
    for rpc in routes:
        for binding in rpc.bindings:
            path, _ = openapi_path(binding.template)
            operation = document["paths"][path][binding.method.lower()]
            assert operation["tags"] == [rpc.service]
            assert bool(operation["security"]) == (rpc.audience != 1), rpc.grpc_path  # 1: public
    assert sum(len(item) for item in document["paths"].values()) == sum(len(r.bindings) for r in routes)


def test_parameters_bodies_and_errors_follow_the_transcoder() -> None:
    paths = _document()["paths"]
    course = paths["/education/courses/{slug}"]["get"]
    assert [(p["name"], p["in"], p["required"]) for p in course["parameters"]] == [("slug", "path", True)]
    listing = {p["name"]: p["schema"] for p in paths["/education/courses"]["get"]["parameters"]}
    assert listing["level"]["enum"][0] == "COURSE_LEVEL_UNSPECIFIED"
    assert "page.page_size" in listing
    login = paths["/auth/login"]["post"]
    assert login["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("LoginRequest")
    assert login["responses"]["default"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "google_rpc_Status"
    )


def test_templates_become_openapi_paths() -> None:
    assert openapi_path("/models/{name}:predict") == ("/models/{name}:predict", ["name"])
    assert openapi_path("/v1/{name=shelves/*}/books") == ("/v1/{name}/books", ["name"])
