"""Webhook signatures: HMAC-SHA256 over the timestamp and the exact body (Stripe's scheme).

The header is ``Execdesk-Signature: t=<unix seconds>,v1=<hex digest>`` where the digest is
``HMAC-SHA256(secret, "<t>." + body)``. A receiver recomputes it over the raw bytes it got,
compares in constant time, and refuses timestamps outside its tolerance (replays). Several
``v1=`` values may appear while a secret is being rotated; any one matching is enough.
docs/routing.md shows a receiver in a few lines.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Execdesk-Signature"
DEFAULT_TOLERANCE = 300


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def sign(secrets: list[bytes], body: bytes, timestamp: int | None = None) -> str:
    """The header value for ``body`` (one ``v1`` per secret: the new one first during a rotation)."""
    t = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={t}", *(f"v1={signature(s, t, body)}" for s in secrets)])


def verify(
    secret: bytes, header: str, body: bytes, *, now: float | None = None, tolerance: int = DEFAULT_TOLERANCE
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and its timestamp is within ``tolerance``."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        t = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - t) > tolerance:
        return False
    expected = signature(secret, t, body)
    return any(hmac.compare_digest(expected, v) for v in parts.get("v1", []))
