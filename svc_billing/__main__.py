"""`python -m svc_billing` runs billing alone (same as `trading serve billing`)."""

from __future__ import annotations

from app.cli import serve_alone

if __name__ == "__main__":
    raise SystemExit(serve_alone("billing"))
