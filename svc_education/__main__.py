"""`python -m svc_education` runs education alone (same as `trading serve education`)."""

from __future__ import annotations

from app.cli import serve_alone

if __name__ == "__main__":
    raise SystemExit(serve_alone("education"))
