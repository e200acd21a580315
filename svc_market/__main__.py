"""`python -m svc_market` runs market data alone (same as `trading serve market`)."""

from __future__ import annotations

from core.standalone import serve_alone
from svc_market import SERVICE

if __name__ == "__main__":
    raise SystemExit(serve_alone(SERVICE))
