"""Signed tokens of the public pages: the checkout form's one-time token and an order's receipt key.

A form token is `nonce.issued.signature`, signed with EVENTOS_SECRET_KEY over the account, the
event, the browser's cookie and the time it was issued: a token made for another event or
browser, altered, or older than `FORM_LIFETIME` is refused before anything is read. The nonce
becomes the order's `checkout_token`, so the same form submitted again finds its first order.
"""

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from datetime import datetime, timedelta

FORM_LIFETIME = timedelta(hours=6)
_NONCE = re.compile(r"^[A-Za-z0-9_-]{22}$")
_RECEIPT = re.compile(r"^(EV-[A-Z0-9]{6})\.([a-z2-7]{16})$")


def _sign(secret_key: bytes, *parts: str) -> str:
    digest = hmac.new(secret_key, "|".join(parts).encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode().lower()


def new_client_id() -> str:
    """A random id for a browser (kept in a cookie), which form tokens are bound to."""
    return secrets.token_urlsafe(16)


def form_token(secret_key: bytes, *, account_id: uuid.UUID, event_slug: str, client: str, now: datetime) -> str:
    nonce = secrets.token_urlsafe(16)
    issued = str(int(now.timestamp()))
    return f"{nonce}.{issued}.{_sign(secret_key, 'form', str(account_id), event_slug, client, nonce, issued)}"


def form_nonce(secret_key: bytes, token: str, *, account_id: uuid.UUID, event_slug: str, client: str,
               now: datetime) -> str | None:
    """The nonce of an authentic, fresh form token for this event and browser; None otherwise."""
    nonce, _, rest = (token or "").partition(".")
    issued, _, signature = rest.partition(".")
    if not _NONCE.match(nonce) or not issued.isdigit() or not client:
        return None
    expected = _sign(secret_key, "form", str(account_id), event_slug, client, nonce, issued)
    if not hmac.compare_digest(signature, expected):
        return None
    age = now.timestamp() - int(issued)
    return nonce if -60 <= age <= FORM_LIFETIME.total_seconds() else None


def receipt_key(secret_key: bytes, *, account_id: uuid.UUID, reference: str) -> str:
    """The key in an order page's URL: the reference and a signature, so references cannot be walked."""
    return f"{reference}.{_sign(secret_key, 'receipt', str(account_id), reference)[:16]}"


def receipt_reference(secret_key: bytes, key: str, *, account_id: uuid.UUID) -> str | None:
    match = _RECEIPT.match(key or "")
    if match is None:
        return None
    expected = receipt_key(secret_key, account_id=account_id, reference=match[1])
    return match[1] if hmac.compare_digest(key, expected) else None


def offer_key(secret_key: bytes, *, account_id: uuid.UUID, reference: str) -> str:
    """The key in a waitlist offer's checkout link: its hold's reference, signed for offers of this account."""
    return f"{reference}.{_sign(secret_key, 'offer', str(account_id), reference)[:16]}"


def offer_reference(secret_key: bytes, key: str, *, account_id: uuid.UUID) -> str | None:
    match = _RECEIPT.match(key or "")
    if match is None:
        return None
    expected = offer_key(secret_key, account_id=account_id, reference=match[1])
    return match[1] if hmac.compare_digest(key, expected) else None
