"""Ticket codes: random, signed with EVENTOS_SECRET_KEY, so a forged code is refused before any query."""

import base64
import hashlib
import hmac
import re
import secrets

_RANDOM_BYTES = 10  # 80 bits: unguessable
_SIGNATURE_BYTES = 6
_SHAPE = re.compile(r"^[A-Z2-7]{16}-[A-Z2-7]{10}$")


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def _signature(secret_key: bytes, body: str) -> str:
    digest = hmac.new(secret_key, b"ticket:" + body.encode(), hashlib.sha256).digest()
    return _b32(digest[:_SIGNATURE_BYTES])


def new_code(secret_key: bytes) -> str:
    """A fresh code like `K4XQ7M2B5ZP3J6TA-9F2KQ7M3BZ`: QR-alphanumeric, easy to read out."""
    body = _b32(secrets.token_bytes(_RANDOM_BYTES))
    return f"{body}-{_signature(secret_key, body)}"


def normalize(code: str) -> str:
    """What people and scanners type: any case, spaces, a trailing newline."""
    return re.sub(r"\s+", "", code or "").upper()


def is_authentic(secret_key: bytes, code: str) -> bool:
    """True when `code` has the right shape and carries our signature (constant-time compare)."""
    code = normalize(code)
    if not _SHAPE.match(code):
        return False
    body, signature = code.split("-")
    return hmac.compare_digest(signature, _signature(secret_key, body))
