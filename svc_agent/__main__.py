"""`python -m svc_agent` runs the trading assistant alone (same as `trading serve agent`)."""

from __future__ import annotations

from app.cli import serve_alone

if __name__ == "__main__":
    raise SystemExit(serve_alone("agent"))
