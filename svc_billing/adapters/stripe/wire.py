"""Stripe's wire format: form-encoded nested parameters, `Stripe-Signature` headers."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from typing import Any

SIGNATURE_TOLERANCE_S = 300
_KEY_PART = re.compile(r"\[([^\]]*)\]")


def decode_form(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """`line_items[0][price_data][currency]=usd` -> {"line_items": [{"price_data": {...}}]}."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head = key.split("[", 1)[0]
        path = [head, *_KEY_PART.findall(key[len(head) :])]
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_lists(node[k]) for k in sorted(node, key=int)]
    return {k: _lists(v) for k, v in node.items()}


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header value of `payload` at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class SignatureError(ValueError):
    """A webhook whose Stripe-Signature is missing, malformed, wrong or outside the tolerance."""


def verify(payload: bytes, header: str | None, secret: str, now_s: float) -> None:
    """Accept a payload signed with `secret` within 5 minutes of now, before or after."""
    if not header:
        raise SignatureError("missing Stripe-Signature header")
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("Stripe-Signature has no timestamp or no v1 signature")
    if abs(now_s - timestamp) > SIGNATURE_TOLERANCE_S:
        raise SignatureError("Stripe-Signature timestamp is outside the 5 minute tolerance")
    expected = sign(payload, secret, timestamp).rsplit("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureError("Stripe-Signature does not match the payload")
