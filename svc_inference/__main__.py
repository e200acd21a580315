"""`python -m svc_inference` runs the ML engine alone (same as `trading serve inference`)."""

from __future__ import annotations

from app.cli import serve_alone

if __name__ == "__main__":
    raise SystemExit(serve_alone("inference"))
