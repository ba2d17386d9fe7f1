"""Public URLs: the account's handle (the {handle} in /e/{handle}), made from its name when a link is first asked for."""

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.context import TenantContext
from core.services import Services
from core.text import slugs
from db.enums import AccountStatus
from db.models import Account

# Paths the handle must never shadow if public pages ever move to the site root.
RESERVED = frozenset({"api", "checkout", "e", "healthz", "metrics", "readyz", "scan", "slack", "stripe", "t", "u"})


@dataclass(frozen=True)
class Organizer:
    account_id: uuid.UUID
    handle: str
    name: str


async def find_organizer(services: Services, handle: str) -> Organizer | None:
    """The active account with this public handle, found before any tenant is known; None otherwise."""
    handle = (handle or "").strip().lower()
    if not handle or len(handle) > slugs.MAX_LENGTH:
        return None
    async with services.db.system() as session:
        row = (
            await session.execute(
                select(Account.id, Account.slug, Account.name)
                .where(Account.slug == handle, Account.status == AccountStatus.ACTIVE)
            )
        ).first()
    return None if row is None else Organizer(*row)


async def public_handle(services: Services, tenant: TenantContext) -> str:
    """The account's handle, given once from its name (`-` and a few letters added when another has it)."""
    async with services.db.tenant(tenant.account_id) as session:
        account = (await session.execute(select(Account.slug, Account.name))).one()
    if account.slug:
        return account.slug
    base = slugs.slugify(account.name, "events")
    if base in RESERVED:
        base = f"{base}-events"
    for attempt in range(8):
        candidate = base if attempt == 0 else f"{base[:slugs.MAX_LENGTH - 5]}-{secrets.token_hex(2)}"
        try:
            async with services.db.tenant(tenant.account_id) as session:
                # Whoever gives the handle first wins; the unique index decides between accounts.
                await session.execute(update(Account).where(Account.slug.is_(None)).values(slug=candidate))
                return (await session.execute(select(Account.slug))).scalar_one()
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free public handle")


def event_url(services: Services, handle: str, event_slug: str) -> str:
    return f"{services.settings.base_url}/e/{handle}/{event_slug}"


def organizer_url(services: Services, handle: str) -> str:
    return f"{services.settings.base_url}/e/{handle}"
