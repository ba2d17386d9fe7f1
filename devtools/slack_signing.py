"""Slack's request signature, as Slack computes it: v0=HMAC-SHA256 over `v0:timestamp:body`."""

from __future__ import annotations

import hashlib
import hmac
import time


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The X-Slack-Request-Timestamp and X-Slack-Signature headers for `body` (now, unless timestamp is given)."""
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}
