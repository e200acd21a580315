"""`python -m svc_agent` runs the trading assistant alone (same as `trading serve agent`)."""

from __future__ import annotations

from core.standalone import serve_alone
from svc_agent import SERVICE

if __name__ == "__main__":
    raise SystemExit(serve_alone(SERVICE))
