"""`python -m svc_education` runs education alone (same as `trading serve education`)."""

from __future__ import annotations

from core.standalone import serve_alone
from svc_education import SERVICE

if __name__ == "__main__":
    raise SystemExit(serve_alone(SERVICE))
