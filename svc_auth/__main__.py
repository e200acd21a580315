"""`python -m svc_auth` runs identity alone (same as `trading serve auth`)."""

from __future__ import annotations

from core.standalone import serve_alone
from svc_auth import SERVICE

if __name__ == "__main__":
    raise SystemExit(serve_alone(SERVICE))
