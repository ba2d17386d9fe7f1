"""Door tokens: per-event bearer secrets for scanners, shown once and stored as a SHA-256 hash."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, bindparam, cast, func, or_, select, update
from sqlalchemy.dialects.postgresql import TEXT
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.errors import Forbidden, Invalid, Next, NextStep, NotFound, Thing
from core.events.events import load_event
from core.services import Services
from core.text.names import clean_name
from db.enums import AccountStatus
from db.models import Account, CheckIn, DoorToken
from db.session import becoming_tenant

PREFIX = "dt_"
MAX_TOKEN = 100


class DoorTokenRefused(Forbidden):
    """The bearer token is missing, malformed, unknown or revoked (HTTP 401)."""

    code = "unauthorized"


@dataclass(frozen=True)
class DoorAccess:
    """What a valid door token allows: scanning for one event of one account."""

    account_id: uuid.UUID
    token_id: uuid.UUID
    event_id: uuid.UUID


@dataclass(frozen=True)
class DoorTokenInfo:
    id: uuid.UUID
    name: str
    created_at: datetime
    revoked_at: datetime | None
    last_scan_at: datetime | None
    scans: int

    @property
    def short_id(self) -> str:
        return str(self.id)[:8]


@dataclass(frozen=True)
class IssuedDoorToken:
    """A new token: `secret` is shown to its creator once and never stored."""

    event_slug: str
    event_name: str
    info: DoorTokenInfo
    secret: str


@dataclass(frozen=True)
class EventDoorTokens:
    event_slug: str
    event_name: str
    tokens: list[DoorTokenInfo]


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_door_token(
    services: Services, tenant: TenantContext, *, event_slug: str, name: str | None = None
) -> IssuedDoorToken:
    """Issue a scanner token for one event (organizers); its secret is returned once."""
    require(tenant, Action.CREATE_DOOR_TOKENS)
    secret = PREFIX + secrets.token_urlsafe(32)
    async with services.db.tenant(tenant.account_id) as session:
        event = await load_event(session, event_slug)
        if name is None:
            count = (
                await session.execute(select(func.count()).select_from(DoorToken).where(DoorToken.event_id == event.id))
            ).scalar_one()
            name = f"Door {count + 1}"
        label = clean_name(name, field="name", limit=60)
        row = DoorToken(
            account_id=tenant.account_id, event_id=event.id, name=label, token_hash=hash_token(secret),
            created_by=tenant.user_id,
        )
        session.add(row)
        await session.flush()
        info = DoorTokenInfo(row.id, row.name, row.created_at, None, None, 0)
        return IssuedDoorToken(event.slug, event.name, info, secret)


async def list_door_tokens(services: Services, tenant: TenantContext, *, event_slug: str) -> EventDoorTokens:
    """The event's door tokens, revoked ones included, with when each last scanned (organizers)."""
    require(tenant, Action.SEE_DOOR_TOKENS)
    async with services.db.tenant(tenant.account_id) as session:
        event = await load_event(session, event_slug)
        # Last use is read from check_ins, so scanning never writes to the token's row.
        usage = (
            select(CheckIn.door_token_id, func.max(CheckIn.created_at).label("last"), func.count().label("scans"))
            .where(CheckIn.event_id == event.id, CheckIn.door_token_id.is_not(None))
            .group_by(CheckIn.door_token_id)
            .subquery()
        )
        rows = await session.execute(
            select(DoorToken.id, DoorToken.name, DoorToken.created_at, DoorToken.revoked_at, usage.c.last, usage.c.scans)
            .outerjoin(usage, usage.c.door_token_id == DoorToken.id)
            .where(DoorToken.event_id == event.id)
            .order_by(DoorToken.created_at)
        )
        tokens = [DoorTokenInfo(r.id, r.name, r.created_at, r.revoked_at, r.last, r.scans or 0) for r in rows]
        return EventDoorTokens(event.slug, event.name, tokens)


def _named(event_slug: str, which: str):
    """The active-token condition for `which`: a name, a pasted secret, or the start of an id."""
    which = " ".join((which or "").split())
    if not which:
        raise Invalid("Say which token to revoke.", next_step=Next.to(NextStep.NAME_DOOR_TOKEN, event=event_slug))
    matches = [func.lower(DoorToken.name) == which.lower(), DoorToken.token_hash == hash_token(which)]
    if len(which) >= 4:
        matches.append(cast(DoorToken.id, TEXT).startswith(which.lower(), autoescape=True))
    return which, and_(DoorToken.revoked_at.is_(None), or_(*matches))


def _none_active(event_slug: str, which: str) -> NotFound:
    return NotFound(
        f"{event_slug} has no active door token “{which}”.", kind=Thing.DOOR_TOKEN, asked=which,
        next_step=Next.to(NextStep.LIST_DOOR_TOKENS, event=event_slug),
    )


async def tokens_to_revoke(
    services: Services, tenant: TenantContext, *, event_slug: str, which: str
) -> EventDoorTokens:
    """The event's active tokens that `revoke_door_tokens` would turn off, changing nothing (organizers)."""
    require(tenant, Action.REVOKE_DOOR_TOKENS)
    which, named = _named(event_slug, which)
    async with services.db.tenant(tenant.account_id) as session:
        event = await load_event(session, event_slug)
        rows = await session.execute(
            select(DoorToken.id, DoorToken.name, DoorToken.created_at, DoorToken.revoked_at)
            .where(DoorToken.event_id == event.id, named).order_by(DoorToken.created_at)
        )
        found = [DoorTokenInfo(r.id, r.name, r.created_at, r.revoked_at, None, 0) for r in rows]
    if not found:
        raise _none_active(event.slug, which)
    return EventDoorTokens(event.slug, event.name, found)


async def revoke_door_tokens(
    services: Services, tenant: TenantContext, *, event_slug: str, which: str
) -> EventDoorTokens:
    """Revoke the event's active tokens named `which` (or whose id starts with it); scanners using them get 401."""
    require(tenant, Action.REVOKE_DOOR_TOKENS)
    which, named = _named(event_slug, which)
    async with services.db.tenant(tenant.account_id) as session:
        event = await load_event(session, event_slug)
        rows = await session.execute(
            update(DoorToken)
            .where(DoorToken.event_id == event.id, named)
            .values(revoked_at=func.now())
            .returning(DoorToken.id, DoorToken.name, DoorToken.created_at, DoorToken.revoked_at)
        )
        revoked = [DoorTokenInfo(r.id, r.name, r.created_at, r.revoked_at, None, 0) for r in rows]
        if not revoked:
            raise _none_active(event.slug, which)
        return EventDoorTokens(event.slug, event.name, revoked)


_TOKENS, _ACCOUNTS = DoorToken.__table__, Account.__table__
# Built once from plain tables: every scan reuses its compiled form.
_FIND_TOKEN = (
    select(_TOKENS.c.id, _TOKENS.c.account_id, _TOKENS.c.event_id)
    .join(_ACCOUNTS, _ACCOUNTS.c.id == _TOKENS.c.account_id)
    .where(_TOKENS.c.token_hash == bindparam("token_hash"), _TOKENS.c.revoked_at.is_(None),
           _ACCOUNTS.c.status == AccountStatus.ACTIVE)
)


def check_token_form(secret: str | None) -> str:
    """The bearer token, stripped; DoorTokenRefused when it cannot be a door token at all."""
    secret = (secret or "").strip()
    # Issued tokens are URL-safe base64: anything else (a header's undecodable bytes) is no token at all.
    if not secret.startswith(PREFIX) or len(secret) > MAX_TOKEN or not secret.isascii():
        raise DoorTokenRefused("Send a door token as Authorization: Bearer dt_….", next_step=Next.to(NextStep.MAKE_DOOR_TOKEN))
    return secret


# The same lookup that also switches the transaction to the token's tenant: one round trip for both.
_ENTER_TOKEN_TENANT = _FIND_TOKEN.add_columns(*becoming_tenant(_TOKENS.c.account_id))


async def find_door_token(session: AsyncSession, secret: str | None) -> DoorAccess:
    """The event a bearer token may scan for, in the caller's system transaction; DoorTokenRefused if unknown or revoked."""
    return await _door_access(session, _FIND_TOKEN, secret)


async def enter_door_token_tenant(session: AsyncSession, secret: str | None) -> DoorAccess:
    """`find_door_token`, then the caller's system transaction continues as the token's tenant (`become_tenant`)."""
    return await _door_access(session, _ENTER_TOKEN_TENANT, secret)


async def _door_access(session: AsyncSession, lookup: Select, secret: str | None) -> DoorAccess:
    secret = check_token_form(secret)
    row = (await session.execute(lookup, {"token_hash": hash_token(secret)})).first()
    if row is None:
        raise DoorTokenRefused("This door token is unknown or was revoked; ask an organizer for a new one.")
    return DoorAccess(account_id=row.account_id, token_id=row.id, event_id=row.event_id)


async def resolve_door_token(services: Services, secret: str | None) -> DoorAccess:
    """The event a bearer token may scan for; DoorTokenRefused when it is unknown or revoked."""
    secret = check_token_form(secret)
    async with services.db.system() as session:
        return await find_door_token(session, secret)
