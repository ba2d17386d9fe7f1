"""One-click unsubscribe: signed links naming the account and contact, and the idempotent opt-out.

A token is `base64url(account id + contact id) . base64url(HMAC-SHA256 prefix)` keyed with
EVENTOS_SECRET_KEY, so the link routes itself to its tenant and cannot be forged or altered.
It never expires: an old email's link keeps working.
"""

import base64
import binascii
import hashlib
import hmac
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update

from core.crm.contacts import record_consent
from core.services import Services
from db.enums import Channel
from db.models import Account, Contact

_SIGNATURE_BYTES = 16
_MAX_TOKEN = 100
# The link a campaign preview shows: inert, so opening a preview unsubscribes nobody.
PREVIEW_TOKEN = "preview"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret_key: bytes, body: bytes) -> bytes:
    return hmac.new(secret_key, b"unsubscribe:" + body, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def make_token(secret_key: bytes, account_id: uuid.UUID, contact_id: uuid.UUID) -> str:
    """The token of a contact's unsubscribe link."""
    body = account_id.bytes + contact_id.bytes
    return f"{_b64(body)}.{_b64(_signature(secret_key, body))}"


def read_token(secret_key: bytes, token: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(account id, contact id) of an authentic token; None for anything forged, cut or altered."""
    if not token or len(token) > _MAX_TOKEN or token.count(".") != 1:
        return None
    body_text, signature_text = token.split(".")
    try:
        body, signature = _unb64(body_text), _unb64(signature_text)
    except (binascii.Error, ValueError):
        return None
    if len(body) != 32 or not hmac.compare_digest(signature, _signature(secret_key, body)):
        return None
    return uuid.UUID(bytes=body[:16]), uuid.UUID(bytes=body[16:])


def preview_url(base_url: str) -> str:
    return f"{base_url}/u/{PREVIEW_TOKEN}"


def unsubscribe_url(services: Services, account_id: uuid.UUID, contact_id: uuid.UUID) -> str:
    return f"{services.settings.base_url}/u/{make_token(services.settings.secret_key, account_id, contact_id)}"


@dataclass(frozen=True)
class Unsubscribed:
    organizer: str
    already: bool


async def look_up(services: Services, token: str) -> Unsubscribed | None:
    """Who the link is from and whether its contact already left, changing nothing (the page a GET shows)."""
    found = read_token(services.settings.secret_key, token)
    if found is None:
        return None
    account_id, contact_id = found
    async with services.db.tenant(account_id) as session:
        organizer = await session.scalar(select(Account.name).where(Account.id == account_id))
        left = await session.scalar(
            select(Contact.unsubscribed_at.is_not(None)).where(
                Contact.id == select(func.coalesce(Contact.merged_into_id, Contact.id)).where(Contact.id == contact_id)
                .scalar_subquery()
            )
        )
        if organizer is None or left is None:
            return None
        return Unsubscribed(organizer, already=left)


async def unsubscribe(services: Services, token: str) -> Unsubscribed | None:
    """Stop every campaign to the token's contact (idempotent); None when the token is not ours."""
    found = read_token(services.settings.secret_key, token)
    if found is None:
        return None
    account_id, contact_id = found
    async with services.db.tenant(account_id) as session:
        organizer = await session.scalar(select(Account.name).where(Account.id == account_id))
        # A merged-away contact's old link stops mail to the contact it became.
        live = await session.scalar(
            select(func.coalesce(Contact.merged_into_id, Contact.id)).where(Contact.id == contact_id)
        )
        if organizer is None or live is None:
            return None
        # Conditional: of two clicks at once, one sets the time and records the consent change.
        changed = (
            await session.execute(
                update(Contact)
                .where(Contact.id == live, Contact.unsubscribed_at.is_(None))
                .values(unsubscribed_at=services.clock.now(), updated_at=func.now())
                .returning(Contact.id)
            )
        ).scalar_one_or_none()
        if changed is not None:
            await record_consent(
                session, account_id, contact_id=live, channel=Channel.EMAIL, granted=False, source="unsubscribe link",
            )
        return Unsubscribed(organizer, already=changed is None)
