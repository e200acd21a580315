"""`python -m svc_inference` runs the ML engine alone (same as `trading serve inference`)."""

from __future__ import annotations

from core.standalone import serve_alone
from svc_inference import SERVICE

if __name__ == "__main__":
    raise SystemExit(serve_alone(SERVICE))
