"""`python -m svc_billing` runs billing alone (same as `trading serve billing`)."""

from __future__ import annotations

from core.standalone import serve_alone
from svc_billing import SERVICE

if __name__ == "__main__":
    raise SystemExit(serve_alone(SERVICE))
