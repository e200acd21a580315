"""`python -m svc_broker` runs the broker alone (same as `trading serve broker`)."""

from __future__ import annotations

from core.standalone import serve_alone
from svc_broker import SERVICE

if __name__ == "__main__":
    raise SystemExit(serve_alone(SERVICE))
