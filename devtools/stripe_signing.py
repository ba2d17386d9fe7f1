"""Stripe's webhook signature, as Stripe computes it: v1=HMAC-SHA256 over `timestamp.payload`."""

from __future__ import annotations

import hashlib
import hmac
import time


def sign_webhook(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header value for payload: t=<ts>,v1=<HMAC-SHA256(secret, "<ts>.<payload>")>."""
    t = int(time.time()) if timestamp is None else timestamp
    signed = f"{t}.".encode() + payload
    return f"t={t},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"
