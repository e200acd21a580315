"""Schemathesis hooks for the run against the live platform (SCHEMATHESIS_HOOKS names this module).

`no_server_error` fails every 5xx except the two the platform declares on purpose while parts of
it are still to come: 501 UNIMPLEMENTED from a placeholder service, and 503 with a RetryInfo
(a dependency not ready yet, e.g. no model loaded in a run without bootstrap). A 500, 502, 504
or a bare 503 is a failure.
"""

from __future__ import annotations

import json

import schemathesis


def _declared(status: int, body: dict) -> bool:
    details = body.get("details") or []
    types = {str(d.get("@type", "")).rsplit("/", 1)[-1] for d in details if isinstance(d, dict)}
    reasons = {d.get("reason") for d in details if isinstance(d, dict)}
    if status == 501:
        return body.get("code") == 12 and "UNIMPLEMENTED" in reasons
    if status == 503:
        return body.get("code") == 14 and "google.rpc.RetryInfo" in types
    return False


@schemathesis.check
def no_server_error(ctx, response, case) -> bool | None:  # type: ignore[no-untyped-def]
    status = response.status_code
    if status < 500:
        return None
    try:
        body = json.loads(response.text)
    except ValueError:
        body = {}
    if not isinstance(body, dict) or not _declared(status, body):
        raise AssertionError(f"{case.operation.label} answered {status}: {response.text[:300]}")
    return None
